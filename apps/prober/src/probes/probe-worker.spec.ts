import {
  type CheckResult,
  checkResultSubject,
  decodeMissedSlots,
  type MissedSlot,
  missedSlotSubject,
  probeJobSubject,
  decodeCheckResults,
  type ProberPresence,
  ProberPresenceBucket,
} from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import type { RunningService } from '@uptime/service-host';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Registry } from 'prom-client';
import { monitorFixture, probeJobFixture } from '../../../../test/support/factories';
import { NATS_URL, proberConfig } from '../../../../test/support/services';
import { TargetServer } from '../../../../test/support/target-server';
import { waitFor } from '../../../../test/support/wait-for';
import { startProber } from '../bootstrap';

const INTERVAL_SECONDS = 30;

/** A monitor of this spec's interval, checking `url`. */
const monitorAt = (url: string) =>
  monitorFixture({ name: 'worker', url, intervalSeconds: INTERVAL_SECONDS });

describe('ProbeWorker', () => {
  const region = `w${Math.random().toString(36).slice(2, 8)}`;
  let target: TargetServer;
  let prober: RunningService;
  let nc: NatsConnection;

  before(async () => {
    target = await TargetServer.start();
    nc = await connect({ servers: NATS_URL });
    prober = await startProber(proberConfig(region, { logLevel: 'error' }), false);
  });
  after(async () => {
    await prober?.close();
    await nc?.close();
    await target?.close();
  });

  async function staleDropped(): Promise<number> {
    const metric = prober.app
      .get<Registry>(TELEMETRY)
      .getSingleMetric('uptime_probe_stale_jobs_total');
    return (await metric!.get()).values[0]?.value ?? 0;
  }

  /** Jobs of `count` new monitors at once, all of one slot; their monitors' ids. */
  async function publishJobs(name: string, count: number, scheduledAt: Date): Promise<Set<string>> {
    const js = nc.jetstream();
    const monitors = Array.from({ length: count }, (_, i) => monitorAt(target.url(`${name}-${i}`)));
    await Promise.all(
      monitors.map((monitor) =>
        js.publish(
          probeJobSubject(region, monitor.id),
          JSONCodec().encode(probeJobFixture(monitor, { region, scheduledAt })),
        ),
      ),
    );
    return new Set(monitors.map((m) => m.id));
  }

  /**
   * What `subject` carried of the monitors `publish` sent jobs of, once one item of each is in:
   * the items, and in how many messages.
   */
  async function carriedOf<T extends { monitorId: string }>(
    subject: string,
    decode: (data: Uint8Array) => T[],
    publish: () => Promise<Set<string>>,
  ): Promise<{ items: T[]; messages: number; monitors: number }> {
    const carried: T[][] = [];
    const sub = nc.subscribe(subject, { callback: (_, m) => carried.push(decode(m.data)) });
    await nc.flush();
    const ids = await publish();
    const ours = () => carried.flat().filter((item) => ids.has(item.monitorId));
    await waitFor(`an item of every job on ${subject}`, () => ours().length >= ids.size);
    sub.unsubscribe();
    assert.equal(new Set(ours().map((item) => item.monitorId)).size, ids.size);
    const messages = carried.filter((m) => m.some((item) => ids.has(item.monitorId))).length;
    return { items: ours(), messages, monitors: ids.size };
  }

  async function everyJobAcked(): Promise<void> {
    const jsm = await nc.jetstreamManager();
    await waitFor('every job acked', async () => {
      const info = await jsm.streams.info('PROBE_JOBS', {
        subjects_filter: probeJobSubject(region, '*'),
      });
      return Object.keys(info.state.subjects ?? {}).length === 0;
    });
  }

  it('should publish the results of jobs that finish together in fewer messages, each result once, and ack every job', async () => {
    const { items, messages, monitors } = await carriedOf(
      checkResultSubject(region),
      decodeCheckResults,
      () => publishJobs('burst', 40, new Date()),
    );
    assert.equal(items.length, monitors, 'a result published twice');
    assert.ok(messages < monitors, `${monitors} results in ${messages} messages`);
    await everyJobAcked();
  });

  it('should ack a job whose slot passed more than two intervals ago without probing, and record it as missed', async () => {
    const results: CheckResult[] = [];
    const missed: MissedSlot[] = [];
    nc.subscribe(checkResultSubject(region), {
      callback: (_, m) => results.push(...decodeCheckResults(m.data)),
    });
    nc.subscribe(missedSlotSubject(region), {
      callback: (_, m) => missed.push(...decodeMissedSlots(m.data)),
    });
    await nc.flush();
    const js = nc.jetstream();
    const stale = monitorAt(target.url('stale'));
    const fresh = monitorAt(target.url('fresh'));
    const now = Date.now();
    for (const [monitor, scheduledAt] of [
      [stale, now - 2 * INTERVAL_SECONDS * 1000 - 5_000],
      [fresh, now],
    ] as const) {
      const job = probeJobFixture(monitor, { region, scheduledAt: new Date(scheduledAt) });
      await js.publish(probeJobSubject(region, monitor.id), JSONCodec().encode(job));
    }

    await waitFor('the stale job counted', async () => (await staleDropped()) === 1);
    await waitFor('the fresh job checked', () => results.some((r) => r.monitorId === fresh.id));
    assert.equal(target.hits.get('fresh'), 1);
    assert.equal(target.hits.get('stale'), undefined, 'the stale job reached its target');
    assert.equal(results.filter((r) => r.monitorId === stale.id).length, 0);
    await waitFor('the stale slot recorded as missed', () => missed.length === 1);
    assert.equal(missed[0]!.monitorId, stale.id);
    assert.equal(missed[0]!.reason, 'dropped');
    const byReason = await prober.app
      .get<Registry>(TELEMETRY)
      .getSingleMetric('uptime_probe_missed_slots_total')!
      .get();
    assert.equal(byReason.values.find((v) => v.labels.reason === 'dropped')?.value, 1);
    // Acked, so the work queue holds nothing of either job any more (the ack is sent after the
    // result's publish returned, so it can still be on its way here).
    await everyJobAcked();
  });

  it('should record the slots of stale jobs taken together in fewer messages, each once, and ack every job', async () => {
    const { items, messages, monitors } = await carriedOf(
      missedSlotSubject(region),
      decodeMissedSlots,
      () => publishJobs('late', 60, new Date(Date.now() - 3 * INTERVAL_SECONDS * 1000)),
    );
    assert.equal(items.length, monitors, 'a slot recorded twice');
    assert.ok(items.every((slot) => slot.reason === 'dropped'));
    assert.ok(messages < monitors / 4, `${monitors} records in ${messages} messages`);
    assert.equal([...target.hits.keys()].filter((k) => k.startsWith('late-')).length, 0);
    await everyJobAcked();
  });

  it('should announce how late it started scheduled jobs since its last announcement, then 0 once idle', async () => {
    const kv = await nc.jetstream().views.kv(ProberPresenceBucket.bucket);
    const announced: ProberPresence[] = [];
    const testStart = Date.now();
    const watch = await kv.watch({ key: `${region}.>` });
    void (async () => {
      // Not the announcement already stored: it may precede the earlier tests' stale jobs.
      for await (const entry of watch)
        if (entry.operation === 'PUT' && entry.created.getTime() >= testStart)
          announced.push(entry.json<ProberPresence>());
    })();
    const idleAfter = (from: number) =>
      waitFor(
        'an announcement of 0 once nothing waits',
        () => announced.slice(from).some((p) => p.lagMs === 0),
        2 * ProberPresenceBucket.refreshMs + 2000,
        100,
      );
    // The earlier tests' stale jobs may be announced first: from a quiet announcement on.
    await idleAfter(0);
    const quiet = announced.length;
    const lagMs = 7000;
    await publishJobs('lagging', 3, new Date(Date.now() - lagMs));
    const behind = await waitFor(
      'an announcement with the lag',
      () => announced.slice(quiet).find((p) => (p.lagMs ?? 0) >= lagMs),
      2 * ProberPresenceBucket.refreshMs + 2000,
      100,
    );
    assert.ok(behind.lagMs! < lagMs + 5000, `announced ${behind.lagMs} ms`);
    await idleAfter(announced.indexOf(behind) + 1);
    watch.stop();
    await everyJobAcked();
  });
});
