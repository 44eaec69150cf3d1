import { BusClient } from '@uptime/bus';
import {
  type CheckResult,
  CheckResultStream,
  checkResultSubject,
  DurableConsumers,
  type MonitorStats,
  ProbeJobStream,
  probeJobFilter,
  probeJobSubject,
  RegistrySubjects,
  SchedulerPartitionBucket,
  schedulerPartitionKeys,
  decodeCheckResults,
} from '@uptime/contracts';
import { freePort } from '@uptime/embedded';
import { connect, DeliverPolicy, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CheckStore } from '../../apps/metrics/src/checks/check-store';
import { PartitionLease } from '../../apps/scheduler/src/partitions/partition-lease';
import { ProbeWorker } from '../../apps/prober/src/probes/probe-worker';
import { AppProcess } from '../support/app-process';
import { waitForConsumerCaughtUp } from '../support/consumer-progress';
import { Pipeline } from '../support/pipeline';
import { scrapeMetric } from '../support/scrape-metric';
import { NATS_URL } from '../support/services';
import { refusedPort, selfSignedCertificate, TargetServer } from '../support/target-server';
import { waitFor } from '../support/wait-for';

interface Page {
  items: CheckResult[];
  nextCursor: string | null;
}

const INTERVAL_S = 10;

describe('the check pipeline', () => {
  const pipeline = new Pipeline();
  let target: TargetServer;
  let tlsTarget: TargetServer;
  let slowTarget: TargetServer;
  let token: string;
  let activeScheduler: AppProcess;
  let activeSchedulerUrl: string;
  let nc: NatsConnection;
  const monitors = new Map<string, string>();

  const createMonitor = async (name: string, body: Record<string, unknown>) => {
    const res = await pipeline.api.post<{ id: string }>(
      '/api/v1/monitors',
      { name, intervalSeconds: INTERVAL_S, timeoutMs: 3000, ...body },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    monitors.set(name, res.body.id);
    return res.body.id;
  };
  const checksOf = async (id: string, query = '') =>
    (await pipeline.api.get<Page>(`/api/v1/monitors/${id}/checks?limit=500${query}`, token)).body
      .items;
  const firstCheck = (id: string, timeoutMs = 2 * INTERVAL_S * 1000 + 8000) =>
    waitFor(`a check of ${id}`, async () => (await checksOf(id))[0], timeoutMs, 100);

  /** Jobs queued or running in this run's region, by subject (acked jobs leave the queue). */
  const jobSubjects = async () =>
    (
      await (
        await nc.jetstreamManager()
      ).streams.info(ProbeJobStream.name, { subjects_filter: probeJobFilter(pipeline.region) })
    ).state.subjects ?? {};

  type Case = [
    name: string,
    body: Record<string, unknown>,
    outcome: string,
    errorKind: string | null,
  ];
  let cases: Promise<Case[]> | undefined;
  /** One monitor per outcome, its target set to give it. */
  const outcomeCases = () =>
    (cases ??= (async (): Promise<Case[]> => {
      const refused = await refusedPort();
      target.set('fail', 'fail');
      target.set('slow', 'slow');
      target.set('hang', 'hang');
      target.set('wrong-keyword', 'wrong-keyword');
      return [
        ['ok', { url: target.url('ok'), keyword: 'healthy' }, 'up', null],
        ['fail', { url: target.url('fail') }, 'down', 'http_status'],
        ['slow', { url: target.url('slow'), maxLatencyMs: 1000 }, 'degraded', null],
        ['hang', { url: target.url('hang'), timeoutMs: 2000 }, 'down', 'timeout'],
        ['keyword', { url: target.url('wrong-keyword'), keyword: 'healthy' }, 'down', 'keyword'],
        ['refused', { url: `http://127.0.0.1:${refused}/` }, 'down', 'connect'],
        ['tls', { url: tlsTarget.url('ok') }, 'down', 'tls'],
      ];
    })());
  /**
   * The monitor of an outcome case with a stored check: the first test creates them all, and a
   * test run without it creates the one it needs here, so every test stands alone.
   */
  const checkedMonitor = async (name: string): Promise<string> => {
    if (!monitors.has(name)) {
      const [, body] = (await outcomeCases()).find(([n]) => n === name)!;
      await createMonitor(name, body);
    }
    const id = monitors.get(name)!;
    await firstCheck(id);
    return id;
  };

  before(async () => {
    target = await TargetServer.start();
    tlsTarget = await TargetServer.start(selfSignedCertificate());
    slowTarget = await TargetServer.start();
    slowTarget.slowMs = 4000;
    // The active scheduler is its own process, so the failover test can kill it outright. It
    // starts while the other apps start here: it needs only NATS.
    const port = await freePort();
    activeScheduler = AppProcess.start('scheduler', {
      NATS_URL,
      PORT: String(port),
      REGIONS: pipeline.region,
      SCHEDULER_LEASE_SECONDS: '3',
      SCHEDULER_ID: `active-${pipeline.region}`,
    });
    activeSchedulerUrl = `http://127.0.0.1:${port}`;
    await Promise.all([
      pipeline.start({ probers: 1, schedulers: 0 }),
      activeScheduler.waitReady(activeSchedulerUrl),
    ]);
    nc = await connect({ servers: NATS_URL });
    const lease = await nc.jetstream().views.kv(SchedulerPartitionBucket.bucket);
    await waitFor(
      'the first scheduler to hold partitions',
      async () =>
        (await lease.get(schedulerPartitionKeys.partition(0)))?.json<{ owner: string }>().owner ===
        `active-${pipeline.region}`,
      15_000,
    );
    await pipeline.startScheduler();
    token = (await pipeline.api.newUser('pipeline')).accessToken;
  });
  after(async () => {
    await activeScheduler?.stop('SIGKILL').catch(() => undefined);
    await nc?.close();
    await pipeline.stop();
    await Promise.all([target?.close(), tlsTarget?.close(), slowTarget?.close()]);
  });

  it('should store a result with the right outcome and error kind within two intervals', async () => {
    const cases = await outcomeCases();
    const created = Date.now();
    for (const [name, body] of cases) await createMonitor(name, body);
    const lags: number[] = [];
    await Promise.all(
      cases.map(async ([name, , outcome, errorKind]) => {
        const check = await firstCheck(monitors.get(name)!);
        lags.push(Date.now() - Date.parse(check.scheduledAt));
        assert.equal(check.outcome, outcome, `${name}: ${check.message}`);
        assert.equal(check.errorKind, errorKind, `${name}: ${check.message}`);
        assert.equal(check.region, pipeline.region);
        assert.ok(Date.parse(check.scheduledAt) >= created - 1000);
      }),
    );
    process.stdout.write(
      `# scheduledAt → queryable (upper bound, 100 ms polling): max ${Math.max(...lags)} ms\n`,
    );
    const ok = (await checksOf(await checkedMonitor('ok')))[0]!;
    assert.equal(ok.httpStatus, 200);
    assert.ok(ok.timings.connectMs !== null && ok.timings.firstByteMs !== null);
    assert.ok(ok.sizeBytes > 0);
  });

  it('should keep stats that agree with the stored checks', async () => {
    const ok = await checkedMonitor('ok');
    const fail = await checkedMonitor('fail');
    await waitFor(
      'two checks of the ok monitor',
      async () => (await checksOf(ok)).length >= 2,
      2 * INTERVAL_S * 1000 + 5000,
    );
    for (const id of [ok, fail]) {
      const checks = await checksOf(id);
      const stats = (
        await pipeline.api.get<MonitorStats>(`/api/v1/monitors/${id}/stats?window=1h`, token)
      ).body;
      const failed = checks.filter((c) => c.outcome === 'down').length;
      assert.ok(stats.totalChecks >= checks.length, 'stats see at least what the list saw');
      const again = await checksOf(id);
      assert.equal(stats.totalChecks <= again.length, true, 'and no more than what is stored');
      assert.equal(stats.failedChecks, id === fail ? stats.totalChecks : 0);
      assert.equal(stats.uptimePercent, id === fail ? 0 : 100);
      assert.equal(stats.currentStatus, id === fail ? 'down' : 'up');
      assert.ok(failed <= stats.failedChecks);
    }
    const series = await pipeline.api.get<{ points: { checks: number }[] }>(
      `/api/v1/monitors/${ok}/response-times`,
      token,
    );
    assert.equal(series.status, 200);
    assert.ok(series.body.points.reduce((n, p) => n + p.checks, 0) >= 2);
  });

  it('should open one incident when a target goes down and resolve it when it comes back', async () => {
    target.set('flip', 'fail');
    const id = await createMonitor('flip', { url: target.url('flip') });
    type Incidents = {
      items: {
        id: string;
        state: string;
        cause: { errorKind: string; httpStatus: number };
        resolvedAt: string | null;
      }[];
    };
    const open = await waitFor(
      'an open incident',
      async () => {
        const res = await pipeline.api.get<Incidents>(`/api/v1/monitors/${id}/incidents`, token);
        return res.body.items.find((i) => i.state === 'open');
      },
      2 * INTERVAL_S * 1000 + 8000,
    );
    assert.equal(open.cause.errorKind, 'http_status');
    assert.equal(open.cause.httpStatus, 503);
    const stats = await pipeline.api.get<MonitorStats & { ongoingIncident: { id: string } | null }>(
      `/api/v1/monitors/${id}/stats?window=1h`,
      token,
    );
    assert.equal(stats.body.ongoingIncident?.id, open.id);
    const openList = await pipeline.api.get<Incidents>('/api/v1/incidents?state=open', token);
    assert.ok(openList.body.items.some((i) => i.id === open.id));

    target.set('flip', 'ok');
    const resolved = await waitFor(
      'the incident resolved',
      async () => {
        const res = await pipeline.api.get<Incidents>(`/api/v1/monitors/${id}/incidents`, token);
        return res.body.items.find((i) => i.id === open.id && i.state === 'resolved');
      },
      2 * INTERVAL_S * 1000 + 8000,
    );
    assert.ok(resolved.resolvedAt);
    const all = await pipeline.api.get<Incidents>(`/api/v1/monitors/${id}/incidents`, token);
    assert.equal(all.body.items.length, 1, 'one incident for one outage');
    const stranger = await pipeline.api.newUser('incident-stranger');
    assert.equal(
      (await pipeline.api.get(`/api/v1/monitors/${id}/incidents`, stranger.accessToken)).status,
      404,
    );
    assert.equal((await pipeline.api.get('/api/v1/incidents?state=sideways', token)).status, 400);
  });

  it('should run an on-demand check on a prober, answer its result and store it', async () => {
    const id = await checkedMonitor('ok');
    const started = Date.now();
    const res = await pipeline.api.post<CheckResult>(
      `/api/v1/monitors/${id}/check`,
      undefined,
      token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(Date.now() - started < 3000 + 2000);
    assert.equal(res.body.outcome, 'up');
    assert.equal(res.body.onDemand, true);
    // Stored through the same stream as scheduled results: seconds on a loaded machine.
    await waitFor(
      'the on-demand result stored',
      async () => (await checksOf(id)).some((c) => c.id === res.body.id),
      INTERVAL_S * 1000 + 20_000,
    );

    // Callers asking at once: the queue keeps one on-demand job per monitor, and each caller is
    // answered by a check made after it asked, none left to time out.
    const asked = Date.now();
    const together = await Promise.all(
      [1, 2, 3, 4].map(() =>
        pipeline.api.post<CheckResult>(`/api/v1/monitors/${id}/check`, undefined, token),
      ),
    );
    for (const answer of together) {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.onDemand, true);
      assert.ok(Date.parse(answer.body.scheduledAt) >= asked - 1000);
    }
  });

  it('should show every monitor with its latest status and 24 h uptime on the dashboard', async () => {
    const [ok, fail] = [await checkedMonitor('ok'), await checkedMonitor('fail')];
    // A stored check is decided a moment later (on a loaded machine, seconds): until then the
    // monitor reads pending.
    const byId = await waitFor('both monitors decided on the dashboard', async () => {
      const res = await pipeline.api.get<{
        items: { id: string; status: string; uptime24hPercent: number | null }[];
      }>('/api/v1/dashboard', token);
      assert.equal(res.status, 200);
      const shown = new Map(res.body.items.map((i) => [i.id, i]));
      return [ok, fail].every((id) => decided(shown.get(id)?.status)) && shown;
    });
    assert.equal(byId.get(ok)?.status, 'up');
    assert.equal(byId.get(ok)?.uptime24hPercent, 100);
    assert.equal(byId.get(fail)?.status, 'down');
  });

  it('should show the latest status on the monitor itself and in the list', async () => {
    type Shown = { id: string; status: string; lastCheckedAt: string | null };
    const [ok, fail] = [await checkedMonitor('ok'), await checkedMonitor('fail')];
    const one = await waitFor('the failing monitor decided', async () => {
      const res = await pipeline.api.get<Shown>(`/api/v1/monitors/${fail}`, token);
      return decided(res.body.status) && res.body;
    });
    assert.equal(one.status, 'down');
    assert.ok(one.lastCheckedAt && Date.parse(one.lastCheckedAt) > 0);
    const listed = await waitFor('the ok monitor decided in the list', async () => {
      const list = await pipeline.api.get<{ items: Shown[] }>('/api/v1/monitors?limit=500', token);
      const shown = list.body.items.find((m) => m.id === ok);
      return decided(shown?.status) && shown;
    });
    assert.equal(listed.status, 'up');
  });

  it('should refuse bad queries and other users', async () => {
    const id = await checkedMonitor('ok');
    assert.equal(
      (await pipeline.api.get(`/api/v1/monitors/${id}/checks?outcome=sideways`, token)).status,
      400,
    );
    assert.equal(
      (await pipeline.api.get(`/api/v1/monitors/${id}/stats?window=2y`, token)).status,
      400,
    );
    assert.equal(
      (await pipeline.api.get(`/api/v1/monitors/${id}/checks?from=yesterday`, token)).status,
      400,
    );
    const stranger = await pipeline.api.newUser('stranger');
    assert.equal(
      (await pipeline.api.get(`/api/v1/monitors/${id}/checks`, stranger.accessToken)).status,
      404,
    );
    assert.equal(
      (await pipeline.api.post(`/api/v1/monitors/${id}/check`, undefined, stranger.accessToken))
        .status,
      404,
    );
  });

  it('should delete stored checks on request, and all of a deleted monitor', async () => {
    const cleared = await checkedMonitor('keyword');
    const stored = new Set((await checksOf(cleared)).map((c) => c.id));
    assert.ok(stored.size > 0);
    assert.equal(
      (await pipeline.api.delete(`/api/v1/monitors/${cleared}/checks`, token)).status,
      204,
    );
    // A check in flight may land just after the clean-up (on a loaded machine, seconds after it
    // ran): what was stored before it must be gone, whenever it ran.
    const left = (await checksOf(cleared)).filter((c) => stored.has(c.id));
    assert.deepEqual(left, []);

    const deleted = await checkedMonitor('refused');
    const store = pipeline.metrics!.app.get(CheckStore, { strict: false });
    assert.ok((await store.list(deleted, { sort: 'desc', limit: 10 })).items.length > 0);
    const scheduled = await scrapeMetric(activeSchedulerUrl, 'uptime_scheduler_monitors');
    assert.equal((await pipeline.api.delete(`/api/v1/monitors/${deleted}`, token)).status, 204);
    monitors.delete('refused');
    assert.equal((await pipeline.api.get(`/api/v1/monitors/${deleted}/stats`, token)).status, 404);
    await waitFor(
      "the deleted monitor's checks and rollups to go",
      async () =>
        (await store.list(deleted, { sort: 'desc', limit: 10 })).items.length === 0 &&
        (await store.stats(deleted, '30d')).totalChecks === 0,
    );
    // A result still in flight when the monitor was deleted must not bring its rows back. In
    // flight is over once the scheduler dropped the monitor, no job of it waits or runs (a job
    // leaves the work queue when its result is published) and metrics acked every result.
    await waitFor(
      'the leading scheduler to drop the monitor',
      async () =>
        (await scrapeMetric(activeSchedulerUrl, 'uptime_scheduler_monitors')) === scheduled - 1,
    );
    await waitFor(
      'no job of the monitor queued or running',
      async () => !(probeJobSubject(pipeline.region, deleted) in (await jobSubjects())),
      15_000,
    );
    await waitForConsumerCaughtUp(nc, CheckResultStream.name, DurableConsumers.metricsResults);
    assert.equal((await store.list(deleted, { sort: 'desc', limit: 10 })).items.length, 0);
    assert.equal((await store.stats(deleted, '30d')).totalChecks, 0);
  });

  it("should stop answering reads of a monitor deleted through another gateway, and never another user's", async () => {
    const owner = await pipeline.api.newUser('ownership');
    const created = await pipeline.api.post<{ id: string }>(
      '/api/v1/monitors',
      { name: 'deleted elsewhere', url: target.url('gone'), intervalSeconds: 60, paused: true },
      owner.accessToken,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const read = (path: string, who = owner.accessToken) =>
      pipeline.api.get(`/api/v1/monitors/${id}/${path}`, who);
    // The first read asks the registry; the rest are answered from the gateway's memory of the owner.
    for (const path of ['stats?window=30d', 'stats', 'checks', 'response-times', 'incidents'])
      assert.equal((await read(path)).status, 200, path);
    const stranger = await pipeline.api.newUser('ownership-stranger');
    assert.equal((await read('stats', stranger.accessToken)).status, 404);
    assert.equal((await read('incidents', stranger.accessToken)).status, 404);

    // Another gateway replica deletes it: this one hears the registry's event.
    const registry = BusClient.connect(NATS_URL, 'pipeline-test-registry');
    try {
      await registry.request(RegistrySubjects.deleteMonitor, { ownerId: owner.id, monitorId: id });
    } finally {
      await registry.close();
    }
    await waitFor(
      'reads of the deleted monitor to answer 404',
      async () => (await read('stats')).status === 404 && (await read('incidents')).status === 404,
      3000,
      50,
    );
  });

  it('should store every result exactly once when metrics was down while they flowed', async () => {
    const id = await checkedMonitor('fail');
    const before = new Set((await checksOf(id)).map((c) => c.id));
    const since = new Date();
    await pipeline.metrics!.close();
    await nextResultOf(nc, pipeline.region, id, INTERVAL_S * 1000 + 5000);
    await pipeline.startMetrics();
    const published = await resultsOnStream(nc, since, id);
    assert.ok(published.size >= 1, 'results flowed while metrics was down');
    const stored = await waitFor('every published result stored', async () => {
      const checks = await checksOf(id);
      const ids = new Set(checks.map((c) => c.id));
      return [...published].every((p) => ids.has(p)) ? checks : undefined;
    });
    assert.equal(new Set(stored.map((c) => c.id)).size, stored.length, 'no check stored twice');
    assert.ok(stored.length >= before.size + published.size - 1);
  });

  it('should share the work between two probers', async () => {
    const second = await pipeline.startProber();
    const workers = pipeline.probers.map((p) => p.app.get(ProbeWorker, { strict: false }));
    const start = workers.map((w) => w.counters.checked);
    for (let i = 0; i < 12; i++)
      await createMonitor(`share-${i}`, { url: `${target.url('ok')}?n=${i}` });
    await waitFor(
      'both probers to run checks',
      () => workers.every((w, i) => w.counters.checked > start[i]! + 1),
      2 * INTERVAL_S * 1000 + 5000,
    );
    assert.ok(second);
  });

  it('should redeliver a job whose prober died before acking it, and store the check once', async () => {
    for (const p of pipeline.probers.splice(0)) await p.close();
    const port = await freePort();
    const doomed = AppProcess.start('prober', {
      NATS_URL,
      PORT: String(port),
      REGION: pipeline.region,
      PROBE_ALLOW_PRIVATE: 'true',
      PROBE_ACK_WAIT_SECONDS: '5',
    });
    await doomed.waitReady(`http://127.0.0.1:${port}`);
    // The first slot comes within one interval, so a short one keeps the wait short; long
    // enough that a job redelivered on a loaded machine is not yet stale (two intervals). Later
    // slots may follow while the test runs: it asserts on the slots the doomed prober held.
    const intervalSeconds = 30;
    const id = await createMonitor('redelivered', {
      url: slowTarget.url('slow'),
      intervalSeconds,
      timeoutMs: 8000,
    });
    slowTarget.set('slow', 'slow');
    await waitFor(
      'the doomed prober to start the check',
      () => (slowTarget.hits.get('slow') ?? 0) >= 1,
      intervalSeconds * 1000 + 10_000,
      50,
    );
    const killedAt = Date.now();
    assert.notEqual(await doomed.stop('SIGKILL'), 0);
    await pipeline.startProber();
    const checks = await waitFor(
      'the redelivered check stored',
      async () => {
        const found = await checksOf(id);
        return found.some((c) => Date.parse(c.scheduledAt) < killedAt) ? found : undefined;
      },
      30_000,
    );
    const slots = checks.map((c) => c.scheduledAt);
    assert.equal(new Set(slots).size, slots.length, 'no slot stored twice');
    // The doomed prober finished none of its checks (each takes 4 s): every slot due before it
    // died was run again, after, by the other prober.
    for (const check of checks.filter((c) => Date.parse(c.scheduledAt) < killedAt)) {
      assert.equal(check.outcome, 'up');
      assert.ok(Date.parse(check.startedAt) >= killedAt, `${check.scheduledAt} ran again`);
    }
    assert.ok((slowTarget.hits.get('slow') ?? 0) >= 2, 'the check ran again on another prober');
  });

  it('should let the other scheduler take over within 10 s, skipping no slot', async () => {
    const survivor = pipeline.schedulers[0]!.app.get(PartitionLease, { strict: false });
    assert.ok(survivor.owned.length < survivor.partitions, 'the two schedulers share partitions');
    const id = await checkedMonitor('ok');
    const killedAt = Date.now();
    await activeScheduler.stop('SIGKILL');
    await waitFor(
      'the survivor to hold every partition',
      () => survivor.owned.length === survivor.partitions,
      10_000,
      50,
    );
    const gapMs = Date.now() - killedAt;
    process.stdout.write(
      `# failover: the survivor holds every partition ${gapMs} ms after the other was killed\n`,
    );
    assert.ok(gapMs < 10_000);
    await waitFor(
      'two checks scheduled by the new leader',
      async () => {
        const after = (await checksOf(id, '&sort=asc')).filter(
          (c) => !c.onDemand && Date.parse(c.scheduledAt) > killedAt,
        );
        return after.length >= 2;
      },
      3 * INTERVAL_S * 1000,
    );
    // The slots around the failover: earlier tests stop every prober for a while (the redelivery
    // test), and on a loaded machine the monitor's jobs may go stale then, which is not this test's.
    const slots = (await checksOf(id, '&sort=asc'))
      .filter((c) => !c.onDemand && Date.parse(c.scheduledAt) >= killedAt - INTERVAL_S * 1000)
      .map((c) => Date.parse(c.scheduledAt));
    for (let i = 1; i < slots.length; i++) {
      assert.ok(
        slots[i]! - slots[i - 1]! <= 2 * INTERVAL_S * 1000,
        `no more than one slot skipped (${slots[i]! - slots[i - 1]!} ms)`,
      );
    }
  });
});

/** A monitor's status once a slot of it was decided (`pending` before, unknown if absent). */
function decided(status: string | undefined): boolean {
  return status !== undefined && status !== 'pending';
}

/** The ids of a monitor's results on the CHECK_RESULTS stream since a time. */
async function resultsOnStream(
  nc: NatsConnection,
  since: Date,
  monitorId: string,
): Promise<Set<string>> {
  const consumer = await nc.jetstream().consumers.get(CheckResultStream.name, {
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: since.toISOString(),
  });
  const ids = new Set<string>();
  const messages = await consumer.fetch({ max_messages: 10_000, expires: 2000 });
  for await (const m of messages)
    for (const r of decodeCheckResults(m.data)) if (r.monitorId === monitorId) ids.add(r.id);
  return ids;
}

/** The next result of a monitor published on its region's subject, as it happens. */
function nextResultOf(
  nc: NatsConnection,
  region: string,
  monitorId: string,
  timeoutMs: number,
): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`no result of ${monitorId} within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = nc.subscribe(checkResultSubject(region), {
      callback: (err, m) => {
        if (err) return;
        const result = decodeCheckResults(m.data).find((r) => r.monitorId === monitorId);
        if (!result) return;
        clearTimeout(deadline);
        sub.unsubscribe();
        resolve(result);
      },
    });
  });
}
