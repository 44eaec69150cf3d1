import {
  decodeMissedSlots,
  type MissedSlot,
  MissedSlotStream,
  missedSlotSubject,
  type Monitor,
  monitorEventSubject,
  type ProbeJob,
  probeJobFor,
  ProbeJobStream,
  probeJobFilter,
  probeJobSubject,
} from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import type { RunningService } from '@uptime/service-host';
import { connect, type JetStreamManager, JSONCodec, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Registry } from 'prom-client';
import { startRegistry } from '../../apps/monitor-registry/src/bootstrap';
import { startScheduler } from '../../apps/scheduler/src/bootstrap';
import { PartitionLease } from '../../apps/scheduler/src/partitions/partition-lease';
import { MonitorFeed } from '../../apps/scheduler/src/monitors/monitor-feed';
import { Schedule } from '../../apps/scheduler/src/schedule/schedule';
import { checkIdOf, nextSlot, phaseOf } from '../../apps/scheduler/src/schedule/slots';
import { ChaosNats } from '../chaos/harness/infra';
import { monitorChangedEventFixture, monitorFixture } from '../support/factories';
import { NATS_URL, registryConfig, schedulerConfig } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const INTERVAL_MS = 10_000;

/** A monitor whose next slot comes soon (its id picked for its phase), so no test waits long. */
function monitorDueSoon(region: string, fromMs = 1000, toMs = 2500): Monitor {
  for (;;) {
    const id = randomUUID();
    const wait =
      (phaseOf(id, INTERVAL_MS) - (Date.now() % INTERVAL_MS) + INTERVAL_MS) % INTERVAL_MS;
    if (wait < fromMs || wait > toMs) continue;
    return monitorFixture({
      id,
      name: 'dispatch',
      url: 'https://dispatch.example.test/',
      intervalSeconds: INTERVAL_MS / 1000,
      regions: [region],
    });
  }
}

describe('job dispatch retries', () => {
  const region = `d${Math.random().toString(36).slice(2, 8)}`;
  let db: TestDatabase;
  let registry: RunningService;
  let scheduler: RunningService;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  /** Every publish attempt of a job, by check id, as the stream's subject saw it (taken or not). */
  const attempts = new Map<string, number>();
  let onAttempt: (checkId: string) => void = () => undefined;

  const counter = async (name: string) => {
    const metric = scheduler.app.get<Registry>(TELEMETRY).getSingleMetric(name);
    return (await metric!.get()).values[0]?.value ?? 0;
  };

  /** Announces a monitor as the registry would, on MONITOR_EVENTS. */
  const announce = async (monitor: Monitor) => {
    const event = monitorChangedEventFixture(monitor, 'created');
    await nc
      .jetstream()
      .publish(monitorEventSubject('created', monitor.id), JSONCodec().encode(event));
  };

  /** PROBE_JOBS takes no new message: as many as it holds now (at least one) is its limit. */
  const fillQueue = async () => {
    await nc
      .jetstream()
      .publish(`${ProbeJobStream.subjectPrefix}.${region}.junk`, new Uint8Array(8));
    const { state } = await jsm.streams.info(ProbeJobStream.name);
    await jsm.streams.update(ProbeJobStream.name, { max_msgs: state.messages });
  };
  const makeRoom = () => jsm.streams.update(ProbeJobStream.name, { max_msgs: -1 });

  before(async () => {
    db = await createTestDatabase();
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    nc.subscribe(probeJobFilter(region), {
      callback: (_, m) => {
        const checkId = m.headers?.get('Nats-Msg-Id');
        if (!checkId) return;
        attempts.set(checkId, (attempts.get(checkId) ?? 0) + 1);
        onAttempt(checkId);
      },
    });
    await nc.flush();
    registry = await startRegistry(registryConfig(db.url), false);
    scheduler = await startScheduler(schedulerConfig(region, { logLevel: 'error' }), false);
    await waitFor('the schedule loaded', () => scheduler.app.get(MonitorFeed).isLoaded);
    await waitFor(
      'every partition held',
      () => scheduler.app.get(PartitionLease).owned.length === 64,
      15_000,
    );
  });
  beforeEach(() => {
    attempts.clear();
    onAttempt = () => undefined;
  });
  after(async () => {
    await makeRoom().catch(() => undefined);
    await jsm?.streams
      .purge(ProbeJobStream.name, { filter: probeJobFilter(region) })
      .catch(() => undefined);
    await scheduler?.close();
    await registry?.close();
    await nc?.close();
    await db?.drop();
  });

  it('should retry a job the full queue refuses each second, and record it missed `unpublished` once its successor is due', async () => {
    const unpublishedBefore = await counter('uptime_scheduler_jobs_unpublished_total');
    const missed: MissedSlot[] = [];
    const sub = nc.subscribe(missedSlotSubject(region), {
      callback: (_, m) => missed.push(...decodeMissedSlots(m.data)),
    });
    await fillQueue();
    try {
      const monitor = monitorDueSoon(region);
      await announce(monitor);
      await waitFor(
        'the job given up',
        async () => (await counter('uptime_scheduler_jobs_unpublished_total')) > unpublishedBefore,
        INTERVAL_MS + 10_000,
      );
      const [first] = [...attempts.keys()];
      assert.ok(attempts.get(first!)! >= 5, `tried each second, not ${attempts.get(first!)} times`);
      await waitFor('its missed slot recorded', () => missed.some((m) => m.checkId === first));
      const record = missed.find((m) => m.checkId === first)!;
      assert.equal(record.reason, 'unpublished');
      assert.equal(record.monitorId, monitor.id);
    } finally {
      sub.unsubscribe();
      await makeRoom();
    }
  });

  it('should publish a refused job on a later attempt once the queue has room, counting nothing lost', async () => {
    const unpublishedBefore = await counter('uptime_scheduler_jobs_unpublished_total');
    const publishedBefore = await counter('uptime_scheduler_jobs_published_total');
    await fillQueue();
    // Room comes back as soon as the monitor's first attempt has been seen (and refused).
    const monitor = monitorDueSoon(region);
    // Not the first attempt seen: the previous test's monitor still has a job kept for retry.
    const checkId = checkIdOf(monitor.id, region, nextSlot(monitor.id, INTERVAL_MS, Date.now()));
    onAttempt = (id) => {
      if (id !== checkId) return;
      onAttempt = () => undefined;
      void makeRoom();
    };
    await announce(monitor);
    await waitFor(
      'the job published',
      async () => (await counter('uptime_scheduler_jobs_published_total')) > publishedBefore,
    );
    assert.equal(attempts.get(checkId), 2, 'refused once, taken on the retry');
    const stored = await jsm.streams.getMessage(ProbeJobStream.name, {
      last_by_subj: `${ProbeJobStream.subjectPrefix}.${region}.${monitor.id}`,
    });
    assert.equal(stored.header.get('Nats-Msg-Id'), checkId);
    assert.equal(await counter('uptime_scheduler_jobs_unpublished_total'), unpublishedBefore);
  });

  it('should remove a job no prober took for three intervals, record it missed `dropped`, and queue the monitor again', async () => {
    const removedBefore = await counter('uptime_scheduler_stuck_jobs_removed_total');
    const missed: MissedSlot[] = [];
    const sub = nc.subscribe(missedSlotSubject(region), {
      callback: (_, m) => missed.push(...decodeMissedSlots(m.data)),
    });
    try {
      const monitor = monitorDueSoon(region);
      const first = nextSlot(monitor.id, INTERVAL_MS, Date.now());
      // What a failed store write can leave behind: a job of the monitor, 40 s old, that no
      // consumer will deliver (here: no prober of this region at all).
      const stuckSlot = first - 4 * INTERVAL_MS;
      const stuck = probeJobFor(monitor, {
        checkId: checkIdOf(monitor.id, region, stuckSlot),
        region,
        scheduledAt: new Date(stuckSlot),
        onDemand: false,
        inMaintenance: false,
      });
      await nc
        .jetstream()
        .publish(probeJobSubject(region, monitor.id), JSONCodec<ProbeJob>().encode(stuck), {
          msgID: stuck.checkId,
        });
      await announce(monitor);
      // Refused at the first three slots (recorded missed), removed at the third, then queued.
      const fourth = checkIdOf(monitor.id, region, first + 3 * INTERVAL_MS);
      await waitFor(
        'the monitor queued again',
        async () => {
          const waiting = await jsm.streams
            .getMessage(ProbeJobStream.name, { last_by_subj: probeJobSubject(region, monitor.id) })
            .catch(() => undefined);
          return waiting?.header.get('Nats-Msg-Id') === fourth;
        },
        4 * INTERVAL_MS + 10_000,
        250,
      );
      const ofMonitor = missed.filter((m) => m.monitorId === monitor.id);
      const dropped = ofMonitor.find((m) => m.checkId === stuck.checkId);
      assert.equal(dropped?.reason, 'dropped');
      assert.deepEqual(
        ofMonitor.filter((m) => m !== dropped).map((m) => m.scheduledAt),
        [first, first + INTERVAL_MS, first + 2 * INTERVAL_MS].map((t) => new Date(t).toISOString()),
        'the three slots refused meanwhile are recorded',
      );
      // The earlier tests' jobs also wait with no prober to take them: removed likewise.
      assert.ok((await counter('uptime_scheduler_stuck_jobs_removed_total')) >= removedBefore + 1);
    } finally {
      sub.unsubscribe();
    }
  });

  // With many monitors a slot is due every few milliseconds; waking for each would publish (and
  // make NATS and the probers wake) a thousand times a second. Passes go a tick apart instead, so
  // a job waits for the next pass: up to DISPATCH_TICK_MS (see nextPassDelay).
  it('should publish slots a few milliseconds apart in passes a tick apart, not one by one', async () => {
    const monitors = Array.from({ length: 100 }, () => monitorDueSoon(region, 1500, 1800));
    const waited: number[] = [];
    const ours = new Set(monitors.map((m) => m.id));
    const sub = nc.subscribe(probeJobFilter(region), {
      callback: (_, m) => {
        const job = JSONCodec<ProbeJob>().decode(m.data);
        if (ours.has(job.monitorId)) waited.push(Date.now() - Date.parse(job.scheduledAt));
      },
    });
    try {
      await Promise.all(monitors.map((m) => announce(m)));
      await waitFor('a job of each monitor', () => waited.length >= 100, 10_000);
      const median = [...waited].sort((a, b) => a - b)[50]!;
      // One by one, a job goes within a millisecond or two of its slot; in passes 20 ms apart
      // the slots of a pass waited 0 to 20 ms, 10 ms in the middle.
      assert.ok(median >= 5, `jobs waited ${median} ms (median) after their slots`);
    } finally {
      sub.unsubscribe();
    }
  });

  // A platform that falls behind misses slots by the thousand each second: one MISSED_SLOTS
  // message per record added work exactly where it was short (docs/performance.md).
  it('should record the slots refused in a pass in a few messages, each slot once', async () => {
    const monitors = Array.from({ length: 300 }, () => monitorDueSoon(region, 2500, 2560));
    const ids = new Set(monitors.map((m) => m.id));
    const carried: MissedSlot[][] = [];
    const sub = nc.subscribe(missedSlotSubject(region), {
      callback: (_, m) => carried.push(decodeMissedSlots(m.data)),
    });
    const ours = () => carried.flat().filter((slot) => ids.has(slot.monitorId));
    try {
      // Each monitor's previous job still waits (no prober here): its next slot is refused.
      const js = nc.jetstream();
      const next = new Map(monitors.map((m) => [m.id, nextSlot(m.id, INTERVAL_MS, Date.now())]));
      await Promise.all(
        monitors.map((monitor) => {
          const slot = next.get(monitor.id)! - INTERVAL_MS;
          const waiting = probeJobFor(monitor, {
            checkId: checkIdOf(monitor.id, region, slot),
            region,
            scheduledAt: new Date(slot),
            onDemand: false,
            inMaintenance: false,
          });
          return js.publish(
            probeJobSubject(region, monitor.id),
            JSONCodec<ProbeJob>().encode(waiting),
            { msgID: waiting.checkId },
          );
        }),
      );
      await Promise.all(monitors.map((m) => announce(m)));
      await waitFor('a record of every refused slot', () => ours().length >= 300, 10_000);
      assert.deepEqual(
        ours()
          .map((slot) => slot.checkId)
          .sort(),
        monitors.map((m) => checkIdOf(m.id, region, next.get(m.id)!)).sort(),
        'each monitor’s refused slot, once',
      );
      assert.ok(ours().every((slot) => slot.reason === 'no_prober' || slot.reason === 'late'));
      const messages = carried.filter((m) => m.some((slot) => ids.has(slot.monitorId))).length;
      // Slots spread over ~0.3 s come in passes 20 ms apart: one message per pass, not per slot.
      assert.ok(messages <= 30, `300 records in ${messages} messages`);
    } finally {
      sub.unsubscribe();
      await Promise.all(
        monitors.map((m) =>
          jsm.streams
            .purge(ProbeJobStream.name, { filter: probeJobSubject(region, m.id) })
            .catch(() => undefined),
        ),
      );
    }
  });
});

/**
 * NATS restarting (SIGKILLed, started again on its store): what the scheduler could not publish
 * meanwhile is published once it is back, or, for a slot whose successor came due during the
 * outage, recorded as missed `unpublished`: no slot is left without either.
 */
describe('job dispatch across a NATS outage', () => {
  const region = `o${Math.random().toString(36).slice(2, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'uptime-dispatch-outage-'));
  let nats: ChaosNats;
  let db: TestDatabase;
  let registry: RunningService;
  let scheduler: RunningService;

  before(async () => {
    nats = await ChaosNats.start(dir);
    db = await createTestDatabase();
    registry = await startRegistry(registryConfig(db.url, { natsUrl: nats.url }), false);
    // A lease longer than the outage plus a renewal period (a third of it): the partitions stay
    // this scheduler's throughout.
    scheduler = await startScheduler(
      schedulerConfig(region, { natsUrl: nats.url, leaseSeconds: 45, logLevel: 'error' }),
      false,
    );
    await waitFor('the schedule loaded', () => scheduler.app.get(MonitorFeed).isLoaded);
    await waitFor(
      'every partition held',
      () => scheduler.app.get(PartitionLease).owned.length === 64,
      60_000,
    );
  });
  after(async () => {
    await scheduler?.close();
    await registry?.close();
    await nats?.kill('SIGTERM');
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should publish the job of a slot due during the outage once NATS is back, and record the older ones missed', async () => {
    // Due far enough ahead that a loaded host has scheduled it well before NATS goes down.
    const monitor = monitorDueSoon(region, 6000, 7500);
    const first = nextSlot(monitor.id, INTERVAL_MS, Date.now());
    const nc = await connect({ servers: nats.url });
    await nc
      .jetstream()
      .publish(
        monitorEventSubject('created', monitor.id),
        JSONCodec().encode(monitorChangedEventFixture(monitor, 'created')),
      );
    await nc.close();
    await waitFor(
      'the monitor scheduled',
      () => scheduler.app.get(Schedule).version(monitor.id) !== undefined,
    );
    // Down from a second before the first slot until 3 s after the third.
    await new Promise((r) => setTimeout(r, first - 1000 - Date.now()));
    assert.ok(Date.now() < first - 500, 'NATS must go down before the first slot is due');
    await nats.kill('SIGKILL');
    const third = first + 2 * INTERVAL_MS;
    await new Promise((r) => setTimeout(r, third + 3000 - Date.now()));
    await nats.restart();

    const back = await connect({ servers: nats.url });
    try {
      const jsm = await back.jetstreamManager();
      const job = await waitFor(
        'the third slot published',
        () =>
          jsm.streams
            .getMessage(ProbeJobStream.name, {
              last_by_subj: probeJobSubject(region, monitor.id),
            })
            .catch(() => undefined),
        15_000,
      );
      assert.equal(
        JSONCodec<ProbeJob>().decode(job.data).scheduledAt,
        new Date(third).toISOString(),
      );
      const missed = await waitFor(
        'the two earlier slots recorded',
        async () => {
          const info = await jsm.streams.info(MissedSlotStream.name);
          const records: MissedSlot[] = [];
          for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
            const m = await jsm.streams
              .getMessage(MissedSlotStream.name, { seq })
              .catch(() => null);
            const slots = m ? decodeMissedSlots(m.data) : [];
            records.push(...slots.filter((slot) => slot.monitorId === monitor.id));
          }
          return records.length >= 2 ? records : undefined;
        },
        15_000,
      );
      assert.deepEqual(
        missed.map((m) => [m.checkId, m.reason]).sort(),
        [first, first + INTERVAL_MS]
          .map((slot) => [checkIdOf(monitor.id, region, slot), 'unpublished'])
          .sort(),
      );
    } finally {
      await back.close();
    }
  });
});
