import {
  type Monitor,
  monitorEventSubject,
  ProbeJobStream,
  probeJobFilter,
} from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import type { RunningService } from '@uptime/service-host';
import { connect, type JetStreamManager, JSONCodec, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Registry } from 'prom-client';
import { startRegistry } from '../../apps/monitor-registry/src/bootstrap';
import { startScheduler } from '../../apps/scheduler/src/bootstrap';
import { LeaderLease } from '../../apps/scheduler/src/leadership/leader-lease';
import { MonitorFeed } from '../../apps/scheduler/src/monitors/monitor-feed';
import { phaseOf } from '../../apps/scheduler/src/schedule/slots';
import { monitorChangedEventFixture, monitorFixture } from '../support/factories';
import { NATS_URL, registryConfig, schedulerConfig } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const INTERVAL_MS = 10_000;
/** The dispatcher's attempts per job before it gives up (job-dispatcher.ts). */
const PUBLISH_ATTEMPTS = 4;

/** A monitor whose next slot comes soon (its id picked for its phase), so no test waits long. */
function monitorDueSoon(region: string): Monitor {
  for (;;) {
    const id = randomUUID();
    const wait =
      (phaseOf(id, INTERVAL_MS) - (Date.now() % INTERVAL_MS) + INTERVAL_MS) % INTERVAL_MS;
    if (wait < 1000 || wait > 2500) continue;
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
    await waitFor('the lease held', () => scheduler.app.get(LeaderLease).isLeader);
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

  it('should retry a job the full queue refuses and count it unpublished after the last attempt', async () => {
    const unpublishedBefore = await counter('uptime_scheduler_jobs_unpublished_total');
    await fillQueue();
    try {
      await announce(monitorDueSoon(region));
      await waitFor(
        'the job given up',
        async () => (await counter('uptime_scheduler_jobs_unpublished_total')) > unpublishedBefore,
      );
      assert.equal(await counter('uptime_scheduler_jobs_unpublished_total'), unpublishedBefore + 1);
      assert.deepEqual([...attempts.values()], [PUBLISH_ATTEMPTS], 'one job, every attempt made');
    } finally {
      await makeRoom();
    }
  });

  it('should publish a refused job on a later attempt once the queue has room, counting nothing lost', async () => {
    const unpublishedBefore = await counter('uptime_scheduler_jobs_unpublished_total');
    const publishedBefore = await counter('uptime_scheduler_jobs_published_total');
    await fillQueue();
    // Room comes back as soon as the first attempt has been seen (and refused).
    onAttempt = () => {
      onAttempt = () => undefined;
      void makeRoom();
    };
    const monitor = monitorDueSoon(region);
    await announce(monitor);
    await waitFor(
      'the job published',
      async () => (await counter('uptime_scheduler_jobs_published_total')) > publishedBefore,
    );
    const [checkId] = [...attempts.keys()];
    assert.equal(attempts.get(checkId!), 2, 'refused once, taken on the retry');
    const stored = await jsm.streams.getMessage(ProbeJobStream.name, {
      last_by_subj: `${ProbeJobStream.subjectPrefix}.${region}.${monitor.id}`,
    });
    assert.equal(stored.header.get('Nats-Msg-Id'), checkId);
    assert.equal(await counter('uptime_scheduler_jobs_unpublished_total'), unpublishedBefore);
  });
});
