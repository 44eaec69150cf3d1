import { ensureDurableConsumer, ensureStream } from '@uptime/bus';
import { ConfigError } from '@uptime/config';
import {
  CheckResultStream,
  checkResultSubject,
  type Monitor,
  type MonitorChangedEvent,
  MaintenanceEventStream,
  decodeMissedSlots,
  type MissedSlot,
  missedSlotSubject,
  MonitorEventStream,
  monitorEventFilter,
  monitorEventsOf,
  monitorEventSubject,
  ProbeJobStream,
  probeJobFilter,
  type StreamDefinition,
  decodeCheckResults,
} from '@uptime/contracts';
import { ensureNats, freePort } from '@uptime/embedded';
import type { RunningService } from '@uptime/service-host';
import {
  AckPolicy,
  connect,
  type JetStreamClient,
  DiscardPolicy,
  JSONCodec,
  type NatsConnection,
  RetentionPolicy,
  StorageType,
} from 'nats';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  MAINTENANCE_TOMBSTONES,
  sweepTombstones,
} from '../../apps/monitor-registry/src/events/tombstone-sweeper';
import { startProber } from '../../apps/prober/src/bootstrap';
import { loadProberConfig } from '../../apps/prober/src/config';
import { startScheduler } from '../../apps/scheduler/src/bootstrap';
import { loadSchedulerConfig } from '../../apps/scheduler/src/config';
import { ApiStack, NATS_URL, proberConfig, schedulerConfig } from '../support/services';
import { scrapeMetric } from '../support/scrape-metric';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const MIB = 1024 * 1024;
const events = JSONCodec<MonitorChangedEvent>();

/** Every event of MONITOR_EVENTS, from the first, as a new consumer would read them. */
async function replayFromStart(nc: NatsConnection): Promise<MonitorChangedEvent[]> {
  const consumer = await nc.jetstream().consumers.get(MonitorEventStream.name, {
    filterSubjects: monitorEventFilter(),
  });
  const read: MonitorChangedEvent[] = [];
  const messages = await consumer.consume();
  for await (const m of messages) {
    read.push(events.decode(m.data));
    if (m.info.pending === 0) break;
  }
  await messages.close();
  return read;
}

/** The latest event of a kind for a monitor, straight from the stream. */
async function latestOf(
  nc: NatsConnection,
  kind: string,
  monitorId: string,
): Promise<MonitorChangedEvent | undefined> {
  const jsm = await nc.jetstreamManager();
  const stored = await jsm.streams
    .getMessage(MonitorEventStream.name, { last_by_subj: monitorEventSubject(kind, monitorId) })
    .catch(() => undefined);
  return stored ? events.decode(stored.data) : undefined;
}

/** Messages on the stream's subjects matching `filter`, by subject. */
async function subjectCounts(
  nc: NatsConnection,
  stream: string,
  filter: string,
): Promise<Record<string, number>> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(stream, { subjects_filter: filter });
  return info.state.subjects ?? {};
}

/** Publishes ever smaller messages until not even 64 bytes more fit in the stream. */
async function fillToTheBrim(js: JetStreamClient, subject: string | (() => string)): Promise<void> {
  const next = typeof subject === 'string' ? () => subject : subject;
  for (let size = 256 * 1024; size >= 64; size = Math.floor(size / 2)) {
    for (;;) {
      const taken = await js
        .publish(next(), new Uint8Array(size))
        .then(() => true)
        .catch(() => false);
      if (!taken) break;
    }
  }
}

describe('JetStream streams', () => {
  const region = `s${Math.random().toString(36).slice(2, 8)}`;
  let db: TestDatabase;
  let stack: ApiStack;
  let scheduler: RunningService;
  let nc: NatsConnection;
  let token: string;

  before(async () => {
    db = await createTestDatabase();
    nc = await connect({ servers: NATS_URL });
    stack = await ApiStack.start(db.url, { defaultRegions: [region] });
    scheduler = await startScheduler(schedulerConfig(region, { logLevel: 'error' }));
    token = (await stack.api.newUser('streams')).accessToken;
  });
  after(async () => {
    await scheduler?.close();
    await stack?.stop();
    await nc?.close();
    await db?.drop();
  });

  describe('configuration', () => {
    it('should bound every stream by bytes, refuse when full, and keep the latest per subject where it compacts', async () => {
      const jsm = await nc.jetstreamManager();
      await ensureStream(jsm, CheckResultStream);
      const expected: [StreamDefinition, number, number, number][] = [
        [ProbeJobStream, 1024, 1, (24 * 60 + 10) * 60e9],
        [CheckResultStream, 4096, -1, 24 * 60 * 60e9],
        [MonitorEventStream, 1024, 1, 0],
        [MaintenanceEventStream, 256, 1, 0],
      ];
      for (const [definition, mib, perSubject, maxAge] of expected) {
        const { config } = await jsm.streams.info(definition.name);
        assert.equal(config.max_bytes, mib * MIB, definition.name);
        assert.equal(config.discard, DiscardPolicy.New, definition.name);
        assert.equal(config.max_msgs_per_subject, perSubject, definition.name);
        assert.equal(config.max_age, maxAge, definition.name);
        assert.deepEqual(config.subjects, [...definition.subjects], definition.name);
      }
      const probeJobs = await jsm.streams.info(ProbeJobStream.name);
      assert.equal(probeJobs.config.retention, RetentionPolicy.Workqueue);
    });

    it('should take a stream size from its variable, and refuse a malformed one naming it', async () => {
      const jsm = await nc.jetstreamManager();
      try {
        const { streamSizes } = loadProberConfig({ CHECK_RESULTS_MAX_MB: '64' });
        await ensureStream(jsm, CheckResultStream, streamSizes);
        assert.equal((await jsm.streams.info(CheckResultStream.name)).config.max_bytes, 64 * MIB);
        assert.throws(
          () => loadProberConfig({ CHECK_RESULTS_MAX_MB: 'lots' }),
          (err: unknown) => err instanceof ConfigError && /CHECK_RESULTS_MAX_MB/.test(err.message),
        );
      } finally {
        await ensureStream(jsm, CheckResultStream, {});
      }
      // And each app that declares streams refuses it at start, with its other problems.
      assert.throws(
        () => loadSchedulerConfig({ PROBE_JOBS_MAX_MB: '0' }),
        (err: unknown) => err instanceof ConfigError && /PROBE_JOBS_MAX_MB/.test(err.message),
      );
    });

    it('should bring a stream created by an older version to its definition, keeping its messages', async () => {
      const jsm = await nc.jetstreamManager();
      const js = nc.jetstream();
      const name = `MIGRATION_${region.toUpperCase()}`;
      const prefix = `mig-${region}.job`;
      // What PROBE_JOBS looked like before: one subject per region, no size, no per-subject limit.
      await jsm.streams.add({
        name,
        subjects: [`${prefix}.*`],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        max_age: 24 * 60 * 60e9,
      });
      await jsm.consumers.add(name, {
        durable_name: 'probers',
        filter_subject: `${prefix}.local`,
        ack_policy: AckPolicy.Explicit,
      });
      await js.publish(`${prefix}.local`, new Uint8Array(8));
      try {
        const now: StreamDefinition = {
          ...ProbeJobStream,
          name,
          subjectPrefix: prefix,
          subjects: [`${prefix}.>`],
        };
        await ensureStream(jsm, now);
        await ensureDurableConsumer(jsm, name, {
          durable_name: 'probers',
          filter_subject: `${prefix}.local.>`,
          ack_policy: AckPolicy.Explicit,
        });
        const info = await jsm.streams.info(name);
        assert.deepEqual(info.config.subjects, [`${prefix}.>`]);
        assert.equal(info.config.max_bytes, 1024 * MIB);
        assert.equal(info.config.max_msgs_per_subject, 1);
        assert.equal(info.state.messages, 1);
        const consumer = await jsm.consumers.info(name, 'probers');
        assert.equal(consumer.config.filter_subject, `${prefix}.local.>`);
      } finally {
        await jsm.streams.delete(name);
      }
    });
  });

  describe('probe jobs', () => {
    it('should hold at most one job per monitor for a region no prober serves, and count what a full queue refuses', async () => {
      const monitors = 3;
      const created = await stack.api.post<{ items: Monitor[] }>(
        '/api/v1/monitors/bulk',
        {
          monitors: Array.from({ length: monitors }, (_, i) => ({
            name: `unserved-${i}`,
            url: `https://unserved-${i}.example.test/`,
            intervalSeconds: 10,
          })),
        },
        token,
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const url = scheduler.url!;
      // Three slots of each monitor: the first job published to a region with no prober, the
      // next ones not published (the first still waits) but recorded as missed, `no_prober`.
      const missed = async () => {
        const text = await (await fetch(`${url.replace('[::1]', '127.0.0.1')}/metrics`)).text();
        return text
          .split('\n')
          .filter((l) => l.startsWith('uptime_scheduler_missed_slots_total{'))
          .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
      };
      await waitFor(
        'three slots accounted per monitor',
        async () =>
          ((await scrapeMetric(url, 'uptime_scheduler_jobs_published_total')) >= monitors &&
            (await missed()) >= 2 * monitors) ||
          undefined,
        40_000,
      );
      const counts = await subjectCounts(nc, ProbeJobStream.name, probeJobFilter(region));
      assert.equal(Object.keys(counts).length, monitors);
      for (const [subject, n] of Object.entries(counts)) assert.equal(n, 1, subject);
      // Gone before the queue fills: their waiting jobs, once three intervals old, would be
      // removed (job-dispatch.e2e) and make room in the full queue below.
      const scheduledBefore = await scrapeMetric(url, 'uptime_scheduler_monitors');
      for (const monitor of created.body.items)
        assert.equal((await stack.api.delete(`/api/v1/monitors/${monitor.id}`, token)).status, 204);
      await waitFor(
        'the scheduler without them',
        async () =>
          (await scrapeMetric(url, 'uptime_scheduler_monitors')) <= scheduledBefore - monitors ||
          undefined,
      );

      // Full (filled to the last few bytes): a new monitor's first job is refused, retried,
      // then counted; the jobs of known monitors still replace their predecessors.
      const jsm = await nc.jetstreamManager();
      const js = nc.jetstream();
      try {
        await ensureStream(jsm, ProbeJobStream, { [ProbeJobStream.name]: 1 });
        let junk = 0;
        await fillToTheBrim(js, () => `${ProbeJobStream.subjectPrefix}.${region}.junk-${junk++}`);
        const refused: MissedSlot[] = [];
        const sub = nc.subscribe(missedSlotSubject(region), {
          callback: (_, m) => {
            for (const slot of decodeMissedSlots(m.data))
              if (slot.reason === 'unpublished') refused.push(slot);
          },
        });
        try {
          const more = await stack.api.post<Monitor>(
            '/api/v1/monitors',
            {
              name: 'one too many',
              url: 'https://one-too-many.example.test/',
              intervalSeconds: 10,
            },
            token,
          );
          assert.equal(more.status, 201);
          const first = await waitFor(
            'the refused job recorded missed `unpublished`',
            () => refused.find((slot) => slot.monitorId === more.body.id),
            30_000,
          );
          assert.ok((await scrapeMetric(url, 'uptime_scheduler_jobs_unpublished_total')) > 0);
          // The unserved monitors' jobs are removed once three intervals old (job-dispatch.e2e),
          // which may since have made room for a later slot of this monitor: never the refused one.
          const waiting = await jsm.streams
            .getMessage(ProbeJobStream.name, {
              last_by_subj: `${ProbeJobStream.subjectPrefix}.${region}.${more.body.id}`,
            })
            .catch(() => undefined);
          assert.notEqual(waiting?.header.get('Nats-Msg-Id'), first.checkId);
        } finally {
          sub.unsubscribe();
        }
      } finally {
        await jsm.streams.purge(ProbeJobStream.name, {
          filter: `${ProbeJobStream.subjectPrefix}.${region}.*`,
        });
        await ensureStream(jsm, ProbeJobStream, {});
      }
    });
  });

  describe('check results', () => {
    it('should let the prober see a full results stream, count it, and store the result once there is room', async () => {
      const jsm = await nc.jetstreamManager();
      const js = nc.jetstream();
      const prober = await startProber(proberConfig(region, { logLevel: 'error' }));
      try {
        await ensureStream(jsm, CheckResultStream, { [CheckResultStream.name]: 1 });
        await fillToTheBrim(js, `${CheckResultStream.subjectPrefix}.junk-${region}`);
        const created = await stack.api.post<Monitor>(
          '/api/v1/monitors',
          { name: 'refused result', url: 'http://127.0.0.1:9/', intervalSeconds: 10 },
          token,
        );
        assert.equal(created.status, 201);
        await waitFor(
          'refused results counted by the prober',
          async () => (await scrapeMetric(prober.url!, 'uptime_probe_jobs_unfinished_total')) > 0,
          30_000,
        );
        await jsm.streams.purge(CheckResultStream.name, {
          filter: `${CheckResultStream.subjectPrefix}.junk-${region}`,
        });
        await ensureStream(jsm, CheckResultStream, {});
        // The refused job was left for redelivery (or its next slot came): its result arrives.
        await waitFor(
          'a stored result of the monitor',
          async () => {
            const last = await jsm.streams
              .getMessage(CheckResultStream.name, { last_by_subj: checkResultSubject(region) })
              .catch(() => undefined);
            return (
              last !== undefined &&
              decodeCheckResults(last.data).some((r) => r.monitorId === created.body.id)
            );
          },
          30_000,
        );
      } finally {
        await jsm.streams.purge(CheckResultStream.name, {
          filter: `${CheckResultStream.subjectPrefix}.junk-${region}`,
        });
        await ensureStream(jsm, CheckResultStream, {});
        await prober.close();
      }
    });
  });

  describe('monitor events', () => {
    it('should keep a bounded number of events per monitor, and let a replay from the start rebuild every monitor', async () => {
      const create = async (name: string) => {
        const res = await stack.api.post<Monitor>(
          '/api/v1/monitors',
          { name, url: `https://${name}-${region}.example.test/`, paused: true },
          token,
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return res.body.id;
      };
      const patched = await create('patched');
      for (let i = 1; i <= 50; i++) {
        const res = await stack.api.patch(
          `/api/v1/monitors/${patched}`,
          { name: `patched ${i}`, intervalSeconds: 60 + i },
          token,
        );
        assert.equal(res.status, 200);
      }
      const lifecycle = await create('lifecycle');
      await stack.api.patch(`/api/v1/monitors/${lifecycle}`, { intervalSeconds: 300 }, token);
      await stack.api.post(`/api/v1/monitors/${lifecycle}/resume`, undefined, token);
      await stack.api.post(`/api/v1/monitors/${lifecycle}/pause`, undefined, token);
      const deleted = await create('deleted');
      await stack.api.patch(`/api/v1/monitors/${deleted}`, { intervalSeconds: 120 }, token);
      assert.equal((await stack.api.delete(`/api/v1/monitors/${deleted}`, token)).status, 204);

      // 52 changes of `patched` (created and 50 updates): one message per kind is left.
      await waitFor(
        'the latest update relayed',
        async () => (await latestOf(nc, 'updated', patched))?.version === 51,
      );
      const left = await subjectCounts(nc, MonitorEventStream.name, monitorEventsOf(patched));
      assert.deepEqual(left, {
        [monitorEventSubject('created', patched)]: 1,
        [monitorEventSubject('updated', patched)]: 1,
      });
      await waitFor('only the tombstone of the deleted monitor', async () => {
        const counts = await subjectCounts(nc, MonitorEventStream.name, monitorEventsOf(deleted));
        return Object.keys(counts).length === 1 &&
          Object.keys(counts)[0] === `monitor.changed.deleted.${deleted}`
          ? true
          : undefined;
      });

      // A new consumer, reading from the first message: the last event of each monitor wins,
      // with or without comparing versions, because the log keeps each monitor's latest last.
      const replayed = await replayFromStart(nc);
      const byVersion = new Map<string, MonitorChangedEvent>();
      const byOrder = new Map<string, MonitorChangedEvent>();
      for (const e of replayed) {
        byOrder.set(e.monitorId, e);
        const held = byVersion.get(e.monitorId);
        if (!held || held.version < e.version) byVersion.set(e.monitorId, e);
      }
      for (const state of [byVersion, byOrder]) {
        for (const id of [patched, lifecycle]) {
          const now = await stack.api.get<Monitor>(`/api/v1/monitors/${id}`, token);
          const rebuilt = state.get(id)!;
          assert.notEqual(rebuilt.kind, 'deleted');
          assert.equal(rebuilt.version, now.body.version);
          assert.equal(rebuilt.monitor.name, now.body.name);
          assert.equal(rebuilt.monitor.intervalSeconds, now.body.intervalSeconds);
          assert.equal(rebuilt.monitor.paused, now.body.paused);
        }
        assert.equal(state.get(deleted)?.kind, 'deleted');
      }
      assert.equal(byVersion.get(patched)!.monitor.intervalSeconds, 110);
      assert.equal(byVersion.get(lifecycle)!.monitor.paused, true);
    });

    it('should sweep tombstones older than the cut-off and keep younger ones', async () => {
      const create = async (name: string) =>
        (
          await stack.api.post<Monitor>(
            '/api/v1/monitors',
            { name, url: `https://${name}-${region}.example.test/`, paused: true },
            token,
          )
        ).body.id;
      const old = await create('old-tombstone');
      const young = await create('young-tombstone');
      const tombstoneOf = async (id: string) =>
        Object.keys(await subjectCounts(nc, MonitorEventStream.name, monitorEventsOf(id)));
      await stack.api.delete(`/api/v1/monitors/${old}`, token);
      // The deletion's own event, not the creation's still waiting to be replaced by it.
      const isTombstone = async (id: string) => {
        const subjects = await tombstoneOf(id);
        return subjects.length === 1 && subjects[0] === `monitor.changed.deleted.${id}`;
      };
      await waitFor('the old tombstone', async () => (await isTombstone(old)) || undefined);
      await new Promise((r) => setTimeout(r, 50));
      const cutoff = new Date();
      await new Promise((r) => setTimeout(r, 50));
      await stack.api.delete(`/api/v1/monitors/${young}`, token);
      await waitFor('the young tombstone', async () => (await isTombstone(young)) || undefined);

      assert.ok((await sweepTombstones(nc, cutoff)) >= 1);
      assert.deepEqual(await tombstoneOf(old), []);
      assert.deepEqual(await tombstoneOf(young), [`monitor.changed.deleted.${young}`]);
    });

    it("should sweep a deleted maintenance window's old tombstone and keep live windows", async () => {
      const monitor = (
        await stack.api.post<Monitor>(
          '/api/v1/monitors',
          { name: 'window-host', url: `https://window-host-${region}.example.test/`, paused: true },
          token,
        )
      ).body;
      const window = async (name: string) => {
        const created = await stack.api.post<{ id: string }>(
          '/api/v1/maintenance-windows',
          {
            name,
            monitorIds: [monitor.id],
            startsAt: '2030-01-05T01:00:00Z',
            endsAt: '2030-01-05T03:00:00Z',
          },
          token,
        );
        assert.equal(created.status, 201, JSON.stringify(created.body));
        return created.body.id;
      };
      const live = await window('live');
      const deleted = await window('deleted');
      assert.equal(
        (await stack.api.delete(`/api/v1/maintenance-windows/${deleted}`, token)).status,
        204,
      );
      const stored = async (id: string) =>
        (await subjectCounts(nc, MaintenanceEventStream.name, `maintenance.changed.${id}`))[
          `maintenance.changed.${id}`
        ] ?? 0;
      await waitFor('the deletion relayed', async () => {
        if ((await stored(deleted)) === 0) return false;
        const last = await (
          await nc.jetstreamManager()
        ).streams.getMessage(MaintenanceEventStream.name, {
          last_by_subj: `maintenance.changed.${deleted}`,
        });
        return last.json<{ window: unknown }>().window === null;
      });
      await waitFor('the live window relayed', async () => (await stored(live)) === 1);

      const cutoff = new Date(Date.now() + 1000);
      assert.ok((await sweepTombstones(nc, cutoff, MAINTENANCE_TOMBSTONES)) >= 1);
      assert.equal(await stored(deleted), 0, 'the tombstone is gone');
      assert.equal(await stored(live), 1, 'a live window is never swept, however old');
    });

    it('should sweep nothing, without an error, on a NATS where the stream does not exist yet', async () => {
      // A first start: the sweeper's first pass may run before the relay has made the stream.
      const dir = await mkdtemp(join(tmpdir(), 'uptime-sweep-'));
      const fresh = await ensureNats(`nats://127.0.0.1:${await freePort()}`, dir, () => undefined);
      const freshNc = await connect({ servers: fresh.url });
      try {
        assert.equal(await sweepTombstones(freshNc, new Date()), 0);
        const streams = await (await freshNc.jetstreamManager()).streams.names().next();
        assert.deepEqual(streams, [], 'the sweep must not create the stream');
      } finally {
        await freshNc.close();
        await fresh.stop();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
