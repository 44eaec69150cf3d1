import { freePort } from '@uptime/embedded';
import {
  type ProbeJob,
  ProbeJobStream,
  probeJobFilter,
  SchedulerPartitionBucket,
  schedulerPartitionKeys,
} from '@uptime/contracts';
import {
  AckPolicy,
  connect,
  type ConsumerMessages,
  JSONCodec,
  type KV,
  type NatsConnection,
} from 'nats';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nextSlot } from '../../apps/scheduler/src/schedule/slots';
import { AppProcess } from '../support/app-process';
import { scrapeMetric } from '../support/scrape-metric';
import { ApiStack, NATS_URL } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { GiveUp, waitFor } from '../support/wait-for';

const MONITORS = 600;
const INTERVAL_MS = 10_000;
const PARTITIONS = 64;
const LEASE_SECONDS = 3;
/**
 * The stated takeover time: a killed scheduler's partitions are claimed once their keys went a
 * lease without change, seen at the survivors' next tick (a third of a lease), and its late
 * slots published at once; plus a second for a loaded machine. Slots due in that time may be
 * late by up to this much, never lost.
 */
const TAKEOVER_MS = LEASE_SECONDS * 1000 + (2 * (LEASE_SECONDS * 1000)) / 3 + 1000;
/**
 * Any other job, including a hand-over at a rebalance, is published within this of its slot: a
 * hand-over takes a KV round trip; the rest is room for a shared, loaded test host.
 */
const ON_TIME_MS = 5000;

interface Delivery {
  monitorId: string;
  slotMs: number;
  seq: number;
  receivedAt: number;
}

/**
 * Three schedulers as OS processes share 64 partitions of 600 monitors at 10 s (60 jobs/s); one
 * is SIGKILLed, later a fourth joins. A stub prober takes every job from PROBE_JOBS and acks it
 * at once; each (monitor, slot) of the run must be stored exactly once, the killed one's slots
 * late by at most the takeover time, every other on time.
 */
describe('partitioned schedulers', () => {
  const region = `p${Math.random().toString(36).slice(2, 8)}`;
  const schedulers = new Map<string, { process: AppProcess; url: string }>();
  const deliveries: Delivery[] = [];
  /** Publish attempts per check id, as core NATS saw them: above 1 is a duplicate JetStream dropped. */
  const attempts = new Map<string, number>();
  /** The slots of the check ids published more than once. */
  const repeated: number[] = [];
  const firstPublisher = new Map<string, string>();
  let retried = 0;
  const repeatLateness: number[] = [];
  let db: TestDatabase;
  let stack: ApiStack;
  let nc: NatsConnection;
  let kv: KV;
  let messages: ConsumerMessages;
  const monitorIds: string[] = [];
  const consumerName = `stub-prober-${region}`;

  const startScheduler = async (id: string) => {
    const port = await freePort();
    const app = AppProcess.start('scheduler', {
      NATS_URL,
      PORT: String(port),
      REGIONS: region,
      SCHEDULER_LEASE_SECONDS: String(LEASE_SECONDS),
      SCHEDULER_PARTITIONS: String(PARTITIONS),
      SCHEDULER_ID: id,
      LOG_LEVEL: process.env.PARTITIONS_LOG ?? 'warn',
    });
    const url = `http://127.0.0.1:${port}`;
    // Loaded, not ready: /health/ready also says `regions` down, as no prober announces itself.
    await waitFor(
      `${id} to load its schedule`,
      async () => {
        if (!app.alive) throw new GiveUp(`${id} exited: ${app.stderr}`);
        const res = await fetch(`${url}/health/ready`).catch(() => undefined);
        const body = (await res?.json().catch(() => undefined)) as
          { details?: { schedule?: { status: string } } } | undefined;
        return body?.details?.schedule?.status === 'up';
      },
      90_000,
      200,
    );
    schedulers.set(id, { process: app, url });
  };

  /** Each partition's owner as the KV bucket has it now. */
  const owners = async (): Promise<(string | null)[]> =>
    Promise.all(
      Array.from({ length: PARTITIONS }, async (_, p) => {
        const entry = await kv.get(schedulerPartitionKeys.partition(p));
        return entry?.operation === 'PUT' ? entry.json<{ owner: string | null }>().owner : null;
      }),
    );
  /** Resolves once exactly `ids` hold every partition, each a fair share. */
  const balancedAmong = (ids: string[], timeoutMs: number) =>
    waitFor(
      `partitions balanced among ${ids.join(', ')}`,
      async () => {
        const held = await owners();
        const counts = ids.map((id) => held.filter((o) => o === id).length);
        const fair = Math.floor(PARTITIONS / ids.length);
        return held.every((o) => o !== null && ids.includes(o)) && counts.every((c) => c >= fair);
      },
      timeoutMs,
      100,
    );

  before(async () => {
    db = await createTestDatabase();
    stack = await ApiStack.start(db.url, { defaultRegions: [region] });
    nc = await connect({ servers: NATS_URL });
    const token = (await stack.api.newUser('partitions')).accessToken;
    for (let first = 0; first < MONITORS; first += 100) {
      const monitors = Array.from({ length: 100 }, (_, k) => ({
        name: `partitioned ${first + k}`,
        url: `https://partitioned-${first + k}.example.test/`,
        intervalSeconds: INTERVAL_MS / 1000,
      }));
      const res = await stack.api.post<{ items: { id: string }[] }>(
        '/api/v1/monitors/bulk',
        { monitors },
        token,
      );
      assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 300));
      monitorIds.push(...res.body.items.map((m) => m.id));
    }

    nc.subscribe(probeJobFilter(region), {
      callback: (_, m) => {
        const checkId = m.headers?.get('Nats-Msg-Id');
        if (!checkId) return;
        attempts.set(checkId, (attempts.get(checkId) ?? 0) + 1);
        // The reply inbox names the publishing process: a retry, or a second owner.
        const publisher = m.reply?.split('.').slice(0, 2).join('.') ?? '';
        if (attempts.get(checkId) === 1) firstPublisher.set(checkId, publisher);
        else if (firstPublisher.get(checkId) === publisher) retried++;
        if (attempts.get(checkId) === 2) {
          const slot = Date.parse(String(JSONCodec<ProbeJob>().decode(m.data).scheduledAt));
          repeated.push(slot);
          repeatLateness.push(Date.now() - slot);
        }
      },
    });
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(ProbeJobStream.name, {
      durable_name: consumerName,
      filter_subject: probeJobFilter(region),
      ack_policy: AckPolicy.Explicit,
      ack_wait: 30_000_000_000,
    });
    const codec = JSONCodec<ProbeJob>();
    messages = await (
      await nc.jetstream().consumers.get(ProbeJobStream.name, consumerName)
    ).consume({
      callback: (m) => {
        m.ack();
        const job = codec.decode(m.data);
        deliveries.push({
          monitorId: job.monitorId,
          slotMs: Date.parse(String(job.scheduledAt)),
          seq: m.seq,
          receivedAt: Date.now(),
        });
      },
    });

    await Promise.all(['a', 'b', 'c'].map((s) => startScheduler(`${s}-${region}`)));
    kv = await nc.jetstream().views.kv(SchedulerPartitionBucket.bucket);
  });
  after(async () => {
    for (const { process } of schedulers.values())
      await process.stop('SIGKILL').catch(() => undefined);
    await messages?.close().catch(() => undefined);
    const jsm = await nc?.jetstreamManager();
    await jsm?.consumers.delete(ProbeJobStream.name, consumerName).catch(() => undefined);
    await jsm?.streams
      .purge(ProbeJobStream.name, { filter: probeJobFilter(region) })
      .catch(() => undefined);
    await nc?.close();
    await stack?.stop();
    await db?.drop();
  });

  it('should publish every (monitor, slot) exactly once while a scheduler dies and another joins', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((s) => `${s}-${region}`) as [
      string,
      string,
      string,
      string,
    ];
    await balancedAmong([a, b, c], 30_000);
    const from = Date.now();
    await new Promise((r) => setTimeout(r, 12_000));

    const killedAt = Date.now();
    await schedulers.get(b)!.process.stop('SIGKILL');
    schedulers.delete(b);
    await balancedAmong([a, c], 20_000);
    const takeoverMs = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, 5_000));

    const joinAt = Date.now();
    await startScheduler(d);
    await balancedAmong([a, c, d], 30_000);
    const joinMs = Date.now() - joinAt;
    await new Promise((r) => setTimeout(r, 12_000));
    // Slots up to here have had ON_TIME_MS to arrive by the time the stub stops counting.
    const to = Date.now() - ON_TIME_MS;
    await new Promise((r) => setTimeout(r, 1_000));

    const seen = new Map<string, Delivery[]>();
    for (const delivery of deliveries) {
      if (delivery.slotMs <= from || delivery.slotMs > to) continue;
      const key = `${delivery.monitorId}@${delivery.slotMs}`;
      seen.set(key, [...(seen.get(key) ?? []), delivery]);
    }
    const missing: string[] = [];
    let expected = 0;
    for (const id of monitorIds) {
      for (let slot = nextSlot(id, INTERVAL_MS, from); slot <= to; slot += INTERVAL_MS) {
        expected++;
        if (!seen.has(`${id}@${slot}`)) missing.push(`${id}@${new Date(slot).toISOString()}`);
      }
    }
    const doubled = [...seen].filter(([, list]) => new Set(list.map((d) => d.seq)).size > 1);
    const stray = [...seen.keys()].filter((key) => !monitorIds.includes(key.split('@')[0]!));
    const inTakeover = (d: Delivery) =>
      d.slotMs >= killedAt - 1000 && d.slotMs <= killedAt + TAKEOVER_MS;
    const stored = [...seen.values()].map((list) => list[0]!);
    const lateness = (list: Delivery[]) =>
      list.reduce((max, d) => Math.max(max, d.receivedAt - d.slotMs), 0);
    const takeoverLate = lateness(stored.filter(inTakeover));
    const otherLate = lateness(stored.filter((d) => !inTakeover(d)));
    // Late beyond what an on-time job takes here: published by the new owner after the takeover.
    const lateInTakeover = stored.filter((d) => inTakeover(d) && d.receivedAt - d.slotMs > 1000);
    const deduped = [...attempts.values()].filter((n) => n > 1).length;
    if (process.env.PARTITIONS_LOG) {
      const at = (t: number) => Math.round((t - from) / 1000);
      process.stdout.write(
        `# ${retried} repeats by the same publisher; repeats late by ${JSON.stringify(
          [0.1, 0.5, 0.9].map(
            (q) => [...repeatLateness].sort((a, b) => a - b)[Math.floor(q * repeatLateness.length)],
          ),
        )} ms (p10, p50, p90); kill at ${at(killedAt)} s, join at ${at(joinAt)} s; repeated slots at (s): ${JSON.stringify(
          [...repeated.reduce((m, t) => m.set(at(t), (m.get(at(t)) ?? 0) + 1), new Map())],
        )}\n`,
      );
    }
    if (process.env.PARTITIONS_LOG)
      for (const [id, s] of schedulers) process.stdout.write(`--- ${id}\n${s.process.stdout}\n`);
    process.stdout.write(
      `# partitions: ${expected} slots expected over ${to - from} ms, ${stored.length} stored, ` +
        `${missing.length} missing, ${doubled.length} doubled; takeover ${takeoverMs} ms ` +
        `(${lateInTakeover.length} slots late, by at most ${takeoverLate} ms), join balanced in ${joinMs} ms; ` +
        `latest other job ${otherLate} ms; ${deduped} duplicate publishes dropped by JetStream\n`,
    );
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} slots never published`);
    assert.equal(doubled.length, 0, 'a slot stored twice');
    assert.equal(stray.length, 0);
    assert.equal(stored.length, expected);
    assert.ok(takeoverMs <= TAKEOVER_MS, `takeover took ${takeoverMs} ms`);
    assert.ok(takeoverLate <= TAKEOVER_MS, `a taken-over slot was ${takeoverLate} ms late`);
    assert.ok(lateInTakeover.length > 0, 'the killed scheduler left slots to publish late');
    assert.ok(otherLate <= ON_TIME_MS, `a job ${otherLate} ms late outside the takeover`);

    // What each survivor says about itself.
    let total = 0;
    for (const { url } of schedulers.values()) {
      const owned = await scrapeMetric(url, 'uptime_scheduler_partitions_owned');
      const ready = (await (await fetch(`${url}/health/ready`)).json()) as {
        details: { partitions: { role: string; owned: number; of: number } };
      };
      assert.equal(ready.details.partitions.role, 'active');
      assert.equal(ready.details.partitions.owned, owned);
      total += owned;
    }
    assert.equal(total, PARTITIONS);
  });
});
