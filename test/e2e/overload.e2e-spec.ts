import {
  type Coverage,
  type MissedReason,
  type MissedSlot,
  missedSlotSubject,
  type MonitorStats,
  type Region,
} from '@uptime/contracts';
import { connect, JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startProber } from '../../apps/prober/src/bootstrap';
import { startScheduler } from '../../apps/scheduler/src/bootstrap';
import { OutputCapture } from '../support/output-capture';
import { NATS_URL } from '../support/services';
import { Pipeline } from '../support/pipeline';
import { TargetServer } from '../support/target-server';
import { waitFor } from '../support/wait-for';

const INTERVAL_S = 10;
const MONITORS = 4;
/**
 * Each check takes this long, and the prober runs one at a time: 0.25 checks/s for 0.4 due. In
 * turn, each monitor's job waits about 4 × 4 s, within the two intervals a job may run late.
 */
const CHECK_MS = 4000;

interface Ready {
  status: string;
  info?: Record<string, { status: string; state?: string; message?: string }>;
}

/**
 * Overload made real and small: four monitors every 10 s against a target that answers in 4 s,
 * and one prober that runs one check at a time. The platform cannot keep up; it must say so and
 * account for every slot it does not check, alike for every monitor, without touching uptime.
 */
describe('overload', () => {
  const pipeline = new Pipeline();
  const output = new OutputCapture();
  let target: TargetServer;
  let token: string;
  const ids: string[] = [];
  let createdAt = 0;

  const coverageOf = async (id: string, from: number, to: number) =>
    pipeline.api.get<Coverage>(
      `/api/v1/monitors/${id}/coverage?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
      token,
    );
  const readyOf = async (url: string): Promise<Ready> =>
    (await fetch(`${url.replace('[::1]', '127.0.0.1')}/health/ready`)).json() as Promise<Ready>;

  before(async () => {
    output.start();
    target = await TargetServer.start();
    target.slowMs = CHECK_MS;
    await pipeline.start({ probers: 0, schedulers: 0 });
    // Both on a port of their own: their /health/ready and /metrics are what is checked.
    pipeline.probers.push(await startProber(pipeline.proberConfig({ concurrency: 1, port: 0 })));
    pipeline.schedulers.push(await startScheduler(pipeline.schedulerConfig({ port: 0 })));
    token = (await pipeline.api.newUser('overload')).accessToken;
    createdAt = Date.now();
    for (let i = 0; i < MONITORS; i++) {
      const res = await pipeline.api.post<{ id: string }>(
        '/api/v1/monitors',
        {
          name: `slow ${i}`,
          url: target.url(`slow-${i}`),
          intervalSeconds: INTERVAL_S,
          timeoutMs: CHECK_MS + 3000,
        },
        token,
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids.push(res.body.id);
    }
    for (let i = 0; i < MONITORS; i++) target.set(`slow-${i}`, 'slow');
  });
  after(async () => {
    output.stop();
    await pipeline.stop();
    await target?.close();
  });

  it('should record the slots it cannot check, with reasons, for every monitor alike', async () => {
    // Long enough for every monitor to miss some slots and be checked three times.
    let last: unknown;
    const answers = await waitFor(
      'every monitor checked and missing slots',
      async () => {
        const all = await Promise.all(ids.map((id) => coverageOf(id, createdAt, Date.now())));
        last = all.map((a) => a.body);
        const ok = all.every((a) => a.status === 200 && a.body.run >= 3 && a.body.missed >= 1);
        return ok && all.map((a) => a.body);
      },
      90_000,
      2000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(last)}`);
    });
    for (const c of answers) {
      assert.equal(c.stored, c.run + c.missed);
      assert.equal(
        c.missed,
        c.missedByReason.late + c.missedByReason.no_prober + c.missedByReason.dropped,
      );
      assert.equal(c.missedByReason.no_prober, 0, 'this region has its prober');
      assert.ok(c.expected >= c.stored, JSON.stringify(c));
      // A slot is either checked, missed, or its job is the one waiting (one per monitor) or
      // running, or its record is on its way (a second's batch).
      assert.ok(c.expected - c.stored <= 2, `unaccounted slots: ${JSON.stringify(c)}`);
    }
    const runs = answers.map((c) => c.run);
    process.stdout.write(`# overload: runs per monitor ${runs.join(', ')}\n`);
    // In turn: no monitor is checked twice before every other once. (Replacing a waiting job
    // with the next slot's sent its monitor to the back of the queue: 8, 5, 5, 1, 1, 0 runs.)
    assert.ok(Math.max(...runs) - Math.min(...runs) <= 1, `every monitor alike: ${runs}`);
  });

  it('should leave missed slots out of uptime and show coverage beside it, in stats and the dashboard', async () => {
    const id = ids[0]!;
    const res = await pipeline.api.get<MonitorStats>(
      `/api/v1/monitors/${id}/stats?window=1h`,
      token,
    );
    assert.equal(res.status, 200);
    const stats = res.body;
    assert.ok(stats.coverage, 'stats carry the coverage');
    assert.ok(stats.coverage.missed >= 1);
    assert.equal(stats.failedChecks, 0, 'no missed slot counts as downtime');
    assert.equal(stats.uptimePercent, 100);
    assert.ok(stats.totalChecks <= stats.coverage.run, 'missed slots are not checks');

    const dashboard = await pipeline.api.get<{
      items: { id: string; missed24h: number; uptime24hPercent: number | null }[];
    }>('/api/v1/dashboard', token);
    for (const entry of dashboard.body.items) {
      assert.ok(entry.missed24h >= 1, `the dashboard shows ${entry.id}'s missed slots`);
      assert.ok(entry.uptime24hPercent === null || entry.uptime24hPercent === 100);
    }
    assert.equal(dashboard.body.items.length, MONITORS);
  });

  it('should say it falls behind: degraded readiness, a warning at most once a minute, a metric per reason', async () => {
    const scheduler = await readyOf(pipeline.schedulers[0]!.url!);
    assert.equal(scheduler.status, 'ok', 'behind, yet ready');
    assert.equal(scheduler.info?.overload?.state, 'degraded');
    assert.match(scheduler.info!.overload!.message!, /checks missed in the last minute/);
    // The prober is behind when a job waited over 10 s in the last minute: in this queue of
    // four 4 s checks most do, but a minute can pass with none, so it is watched for a while.
    let proberState: string | undefined;
    await waitFor(
      'the prober saying it is behind',
      async () => {
        proberState = (await readyOf(pipeline.probers[0]!.url!)).info?.overload?.state;
        return proberState === 'degraded' || undefined;
      },
      60_000,
      1000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: the prober's overload state stayed ${proberState}`);
    });

    const warnings = output.text
      .split('\n')
      .filter((line) => /JobDispatcher/.test(line) && /the scheduler falls behind/.test(line));
    const minutes = Math.ceil((Date.now() - createdAt) / 60_000);
    assert.ok(
      warnings.length >= 1 && warnings.length <= minutes,
      `at most one warning a minute over ${minutes} minutes: ${warnings.join('\n')}`,
    );
    assert.match(warnings[0]!, /lag \d+\.\d s, \d+ checks missed in the last minute \(late \d+\)/);

    const base = pipeline.schedulers[0]!.url!.replace('[::1]', '127.0.0.1');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(
      metrics,
      /^uptime_scheduler_missed_slots_total\{reason="late",app="scheduler"\} [1-9]/m,
    );
    assert.match(
      metrics,
      /^uptime_scheduler_missed_slots_total\{reason="no_prober",app="scheduler"\} 0$/m,
    );
    assert.match(metrics, /^uptime_scheduler_lag_seconds\{app="scheduler"\} /m);
  });

  it('should defer a bulk import while its prober is behind (503, Retry-After, nothing created) and show the lag in GET /regions', async () => {
    const regionLag = async () => {
      const res = await pipeline.api.get<{ items: Region[] }>('/api/v1/regions', token);
      return res.body.items.find((r) => r.name === pipeline.region)?.lagMs ?? null;
    };
    // Its jobs wait about 16 s in turn; the prober says so in its next announcement (5 s).
    const lagMs = await waitFor(
      'the prober announcing its lag',
      async () => {
        const lag = await regionLag();
        return lag !== null && lag > 2000 && lag;
      },
      30_000,
      500,
    );
    const bulk = await pipeline.api.post<{ type: string; detail: string }>(
      '/api/v1/monitors/bulk',
      { monitors: [0, 1].map((i) => ({ name: `import ${i}`, url: target.url(`import-${i}`) })) },
      token,
    );
    assert.equal(bulk.status, 503, JSON.stringify(bulk.body));
    assert.match(bulk.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(bulk.body.type, '/problems/probers-behind');
    assert.equal(bulk.headers.get('retry-after'), '5');
    assert.match(
      bulk.body.detail,
      /checks \d+\.\d s late .*BULK_CREATE_MAX_PROBE_LAG_SECONDS, 2 s/,
    );
    const listed = await pipeline.api.get<{ items: unknown[] }>('/api/v1/monitors', token);
    assert.equal(listed.body.items.length, MONITORS, 'nothing of the import was created');
    const base = pipeline.gateway!.url!.replace('[::1]', '127.0.0.1');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^uptime_gateway_bulk_creates_deferred_total\{[^}]*\} [1-9]/m);
    process.stdout.write(`# overload: bulk import deferred at a prober lag of ${lagMs} ms\n`);
  });

  it('should refuse a bad range naming the field, and hide another team’s monitor', async () => {
    const id = ids[0]!;
    const bad = await pipeline.api.get<{ errors: { field: string }[] }>(
      `/api/v1/monitors/${id}/coverage?from=yesterday&to=${new Date().toISOString()}`,
      token,
    );
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.deepEqual(
      bad.body.errors.map((e) => e.field),
      ['from'],
    );
    const missing = await pipeline.api.get(`/api/v1/monitors/${id}/coverage`, token);
    assert.equal(missing.status, 400);
    const other = (await pipeline.api.newUser('other')).accessToken;
    const now = Date.now();
    const foreign = await pipeline.api.get(
      `/api/v1/monitors/${id}/coverage?from=${new Date(now - 60_000).toISOString()}&to=${new Date(now).toISOString()}`,
      other,
    );
    assert.equal(foreign.status, 404);
  });

  it('should store missed-slot records sent in a batch or alone, leaving out only a malformed one', async () => {
    const id = ids[0]!;
    const owner = (await pipeline.api.get<{ ownerId: string }>(`/api/v1/monitors/${id}`, token))
      .body.ownerId;
    // An hour before the monitor existed: nothing the scheduler records lands there.
    const from = createdAt - 2 * 3_600_000;
    const record = (minute: number, reason: MissedReason): MissedSlot => ({
      checkId: randomUUID(),
      monitorId: id,
      ownerId: owner,
      region: pipeline.region,
      scheduledAt: new Date(from + minute * 60_000).toISOString(),
      reason,
      recordedAt: new Date().toISOString(),
    });
    const late = record(1, 'late');
    const batch = [late, { ...late }, record(2, 'dropped'), { checkId: 'not-a-uuid' }];
    const alone = record(3, 'unpublished');
    const nc = await connect({ servers: NATS_URL });
    try {
      const js = nc.jetstream();
      const subject = missedSlotSubject(pipeline.region);
      await js.publish(subject, JSONCodec().encode(batch));
      // A publisher older than batches sends a record alone.
      await js.publish(subject, JSONCodec().encode(alone));
    } finally {
      await nc.close();
    }
    const range = () => coverageOf(id, from, from + 3_600_000);
    await waitFor('the records stored', async () => (await range()).body.missed >= 3);
    const c = (await range()).body;
    assert.equal(c.missed, 3, 'the duplicate counts once, the malformed one not at all');
    assert.deepEqual(c.missedByReason, { late: 1, no_prober: 0, dropped: 1, unpublished: 1 });
    assert.equal(c.expected, 0, 'before the monitor existed');
  });

  it('should take the bulk import once the prober keeps up again', async () => {
    for (const id of ids) {
      const paused = await pipeline.api.post(`/api/v1/monitors/${id}/pause`, {}, token);
      assert.equal(paused.status, 200, JSON.stringify(paused.body));
    }
    // The queue of waiting jobs drains (4 s each), then the next announcement says 0.
    const monitors = [0, 1].map((i) => ({ name: `import ${i}`, url: target.url(`import-${i}`) }));
    const created = await waitFor(
      'the import taken',
      async () => {
        const res = await pipeline.api.post<{ items: { id: string }[]; type?: string }>(
          '/api/v1/monitors/bulk',
          { monitors },
          token,
        );
        if (res.status === 503 && res.body.type === '/problems/probers-behind') return undefined;
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return res.body.items;
      },
      60_000,
      2000,
    );
    assert.equal(created.length, 2);
    // Each deferral is counted; the log says it at most once a minute, never as a fault.
    const lines = output.text.split('\n');
    const said = lines.filter((line) => /bulk monitor creation deferred/.test(line));
    const minutes = Math.ceil((Date.now() - createdAt) / 60_000);
    assert.ok(said.length >= 1 && said.length <= minutes, said.join('\n'));
    assert.match(said[0]!, /WARN.*ImportDeferral.*probers start checks \d+\.\d s late/);
    const warned = lines.filter((line) => /WARN/.test(line) && /monitors\/bulk.*503/.test(line));
    assert.deepEqual(warned, [], 'a deferral is no fault');
  });
});
