import { freePort } from '@uptime/embedded';
import {
  type CheckResult,
  HeartbeatBucket,
  heartbeatKeys,
  type MonitorReply,
  partitionOf,
  SchedulerPartitionBucket,
  schedulerPartitionKeys,
  monitorEventSubject,
} from '@uptime/contracts';
import { connect, type KV, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { AlertReceiver } from '../support/alert-receiver';
import { AppProcess } from '../support/app-process';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { waitFor } from '../support/wait-for';

interface Page {
  items: CheckResult[];
}

interface DashboardEntry {
  id: string;
  status: string;
  latencyMs: number | null;
  uptime24hPercent: number | null;
}

const PERIOD_SECONDS = 10;
const GRACE_SECONDS = 1;
const PINGS_PER_MINUTE = 20;

/**
 * Heartbeat (push) monitors over HTTP against the real stack: the job pings through the gateway,
 * results land in metrics and the notifier, and the schedulers' leader stores the missed periods.
 * The schedulers are OS processes of their own, so the failover test can kill the leader by PID.
 */
describe('heartbeat monitors through the whole pipeline', () => {
  const pipeline = new Pipeline();
  const schedulers = new Map<string, AppProcess>();
  let receiver: AlertReceiver;
  let nc: NatsConnection;
  let lease: KV;
  let token: string;
  let channelId: string;

  const startScheduler = async (id: string) => {
    const port = await freePort();
    const scheduler = AppProcess.start('scheduler', {
      NATS_URL,
      PORT: String(port),
      REGIONS: pipeline.region,
      SCHEDULER_LEASE_SECONDS: '3',
      SCHEDULER_ID: id,
      LOG_LEVEL: 'warn',
    });
    await scheduler.waitReady(`http://127.0.0.1:${port}`);
    schedulers.set(id, scheduler);
  };
  /** The scheduler holding the lease of the monitor's partition (64 partitions, the default). */
  const ownerOf = async (monitorId: string) => {
    const entry = await lease.get(schedulerPartitionKeys.partition(partitionOf(monitorId, 64)));
    return entry?.operation === 'PUT'
      ? (entry.json<{ owner: string | null }>().owner ?? undefined)
      : undefined;
  };

  const createHeartbeat = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await pipeline.api.post<MonitorReply>(
      '/api/v1/monitors',
      {
        name,
        type: 'heartbeat',
        heartbeat: { periodSeconds: PERIOD_SECONDS, graceSeconds: GRACE_SECONDS },
        ...extra,
      },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  /** The ping URL's path, called on this test's gateway (pingUrl names the public URL). */
  const pathOf = (monitor: MonitorReply, suffix = '') =>
    `${new URL(monitor.pingUrl!).pathname}${suffix}`;
  const ping = (monitor: MonitorReply, suffix = '', method = 'GET') =>
    pipeline.api.request(method, pathOf(monitor, suffix));
  const checksOf = async (id: string) =>
    (await pipeline.api.get<Page>(`/api/v1/monitors/${id}/checks?limit=100`, token)).body.items;
  const missedOf = async (id: string) =>
    (await checksOf(id)).filter((c) => c.errorKind === 'missed_heartbeat');

  before(async () => {
    receiver = await AlertReceiver.start();
    pipeline.gatewayOverrides = { pingsPerMinutePerToken: PINGS_PER_MINUTE };
    await pipeline.start({ probers: 0, schedulers: 0 });
    await startScheduler(`first-${pipeline.region}`);
    // Opened after a scheduler created the bucket with its lease time, never before.
    nc = await connect({ servers: NATS_URL });
    lease = await nc.jetstream().views.kv(SchedulerPartitionBucket.bucket);
    await waitFor(
      'the first scheduler to hold partitions',
      async () => (await ownerOf('any')) === `first-${pipeline.region}`,
      15_000,
    );
    await startScheduler(`second-${pipeline.region}`);
    token = (await pipeline.api.newUser('heartbeat')).accessToken;
    const channel = await pipeline.api.post<{ id: string }>(
      '/api/v1/channels',
      { name: 'hb hook', type: 'webhook', config: { url: receiver.url, secret: 'x'.repeat(32) } },
      token,
    );
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    channelId = channel.body.id;
  });
  after(async () => {
    for (const scheduler of schedulers.values())
      await scheduler.stop('SIGKILL').catch(() => undefined);
    await nc?.close();
    await pipeline.stop();
    await receiver?.close();
  });

  it('refuses a bad heartbeat monitor with a 400 naming each bad field', async () => {
    const missing = await pipeline.api.post(
      '/api/v1/monitors',
      { name: 'x', type: 'heartbeat' },
      token,
    );
    assert.equal(missing.status, 400);
    assert.deepEqual(fieldsOf(missing.body), ['heartbeat']);

    const bad = await pipeline.api.post(
      '/api/v1/monitors',
      {
        name: 'x',
        type: 'heartbeat',
        heartbeat: { periodSeconds: 5, graceSeconds: 8 * 86_400 },
        url: 'https://example.test/',
      },
      token,
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(fieldsOf(bad.body), ['heartbeat.periodSeconds', 'heartbeat.graceSeconds']);

    const extra = await pipeline.api.post(
      '/api/v1/monitors',
      {
        name: 'x',
        type: 'heartbeat',
        heartbeat: { periodSeconds: 60 },
        url: 'https://example.test/',
        regions: [pipeline.region],
        intervalSeconds: 30,
        keyword: 'ok',
      },
      token,
    );
    assert.equal(extra.status, 400);
    assert.deepEqual(fieldsOf(extra.body).sort(), ['intervalSeconds', 'keyword', 'regions', 'url']);

    const onHttp = await pipeline.api.post(
      '/api/v1/monitors',
      { name: 'x', url: 'https://example.test/', heartbeat: { periodSeconds: 60 } },
      token,
    );
    assert.equal(onHttp.status, 400);
    assert.deepEqual(fieldsOf(onHttp.body), ['heartbeat']);

    const readOnly = await pipeline.api.post(
      '/api/v1/monitors',
      {
        name: 'x',
        type: 'heartbeat',
        heartbeat: { periodSeconds: 60 },
        pingUrl: 'http://x/ping/y',
      },
      token,
    );
    assert.equal(readOnly.status, 400);
    assert.deepEqual(fieldsOf(readOnly.body), ['pingUrl']);

    const monitor = await createHeartbeat('type change');
    const toHttp = await pipeline.api.patch(
      `/api/v1/monitors/${monitor.id}`,
      { type: 'http', url: 'https://example.test/' },
      token,
    );
    assert.equal(toHttp.status, 400);
    assert.ok(fieldsOf(toHttp.body).includes('type'), JSON.stringify(toHttp.body));
  });

  it('shows a pingUrl with an unguessable token that never changes, and names the monitor by its id', async () => {
    const monitor = await createHeartbeat('token');
    assert.equal(monitor.url, `heartbeat://${monitor.id}`);
    assert.deepEqual(monitor.regions, []);
    assert.match(monitor.pingUrl ?? '', /^http:\/\/localhost:3000\/ping\/[A-Za-z0-9_-]{32}$/);
    assert.ok(!('pingToken' in monitor));
    const patched = await pipeline.api.patch<MonitorReply>(
      `/api/v1/monitors/${monitor.id}`,
      { name: 'token renamed', heartbeat: { periodSeconds: 60, graceSeconds: 5 } },
      token,
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.pingUrl, monitor.pingUrl);
    const other = await createHeartbeat('token 2');
    assert.notEqual(other.pingUrl, monitor.pingUrl);
  });

  it('stores an up result for GET and POST pings, with the body as its message', async () => {
    const monitor = await createHeartbeat('pings');
    const got = await ping(monitor);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.deepEqual(got.body, { ok: true });
    const posted = await pipeline.api.text('POST', pathOf(monitor), {
      body: 'backup done: 42 files',
      contentType: 'text/plain',
    });
    assert.equal(posted.status, 200, posted.text);
    const checks = await waitFor('two ping results', async () => {
      const found = await checksOf(monitor.id);
      return found.length >= 2 ? found : undefined;
    });
    assert.equal(checks.length, 2);
    for (const check of checks) {
      assert.equal(check.outcome, 'up');
      assert.equal(check.errorKind, null);
      assert.equal(check.region, 'push');
      assert.deepEqual(check.assertions, [
        { type: 'heartbeat', expected: 'ping', actual: 'ping', passed: true },
      ]);
    }
    assert.ok(checks.some((c) => c.message === 'backup done: 42 files'));
    const shown = await pipeline.api.get<MonitorReply>(`/api/v1/monitors/${monitor.id}`, token);
    assert.equal(shown.body.status, 'up');

    const tooLarge = await pipeline.api.text('POST', pathOf(monitor), {
      body: 'x'.repeat(11 * 1024),
      contentType: 'text/plain',
    });
    assert.equal(tooLarge.status, 413);
  });

  it('measures a run from /start to the ping as the result latency', async () => {
    const monitor = await createHeartbeat('timed run');
    assert.equal((await ping(monitor, '/start')).status, 200);
    const startedAt = Date.now();
    await new Promise((r) => setTimeout(r, 400)); // the job's run
    assert.equal((await ping(monitor, '', 'POST')).status, 200);
    const elapsed = Date.now() - startedAt;
    const [check] = await waitFor('the timed ping result', async () => {
      const found = await checksOf(monitor.id);
      return found.length ? found : undefined;
    });
    assert.equal(check!.outcome, 'up');
    assert.ok(
      check!.latencyMs >= 400 && check!.latencyMs <= elapsed + 50,
      String(check!.latencyMs),
    );
    assert.ok(Date.parse(check!.startedAt) < Date.parse(check!.scheduledAt));
    // Like every type, the run shows in stats and on the dashboard, its latency the run's duration.
    const stats = await pipeline.api.get<{ totalChecks: number; avgLatencyMs: number | null }>(
      `/api/v1/monitors/${monitor.id}/stats?window=1h`,
      token,
    );
    assert.equal(stats.body.totalChecks, 1);
    assert.equal(stats.body.avgLatencyMs, check!.latencyMs);
    const dashboard = await pipeline.api.get<{ items: DashboardEntry[] }>(
      '/api/v1/dashboard',
      token,
    );
    const entry = dashboard.body.items.find((e) => e.id === monitor.id);
    assert.deepEqual(
      [entry?.status, entry?.latencyMs, entry?.uptime24hPercent],
      ['up', check!.latencyMs, 100],
    );
  });

  it('stores a down result with errorKind reported_failure for /fail', async () => {
    const monitor = await createHeartbeat('failing job');
    const failed = await pipeline.api.text('POST', pathOf(monitor, '/fail'), {
      body: 'disk full\u0000',
      contentType: 'text/plain',
    });
    assert.equal(failed.status, 200, failed.text);
    const [check] = await waitFor('the failure result', async () => {
      const found = await checksOf(monitor.id);
      return found.length ? found : undefined;
    });
    assert.equal(check!.outcome, 'down');
    assert.equal(check!.errorKind, 'reported_failure');
    assert.deepEqual(check!.assertions, [
      { type: 'heartbeat', expected: 'ping', actual: 'fail', passed: false },
    ]);
    // The notifier opens the incident: what a job sends (here a NUL, which PostgreSQL's jsonb
    // refuses) never wedges the result in a redelivery loop.
    const incidents = await waitFor('the incident of the failure', async () => {
      const found = await pipeline.api.get<{
        items: { kind: string; cause: { errorKind?: string; message?: string } }[];
      }>(`/api/v1/monitors/${monitor.id}/incidents`, token);
      return found.body.items.length ? found.body.items : undefined;
    });
    // Opened by the /fail itself, not by the missed period that would follow it.
    assert.deepEqual(
      incidents.map((i) => [i.kind, i.cause.errorKind, i.cause.message]),
      [['down', 'reported_failure', 'disk full\ufffd']],
    );
  });

  it('answers unknown, malformed and paused tokens with the same 404, and needs no login', async () => {
    const monitor = await createHeartbeat('to pause');
    const unknown = await pipeline.api.get(`/ping/${'A'.repeat(32)}`);
    const malformed = await pipeline.api.get('/ping/not-a-token');
    const malformedFail = await pipeline.api.get('/ping/short/fail');
    // The same problem whatever the reason; only `instance` echoes the path asked for.
    const same = (body: unknown) => ({ ...(body as object), instance: undefined });
    assert.equal(unknown.status, 404);
    assert.equal(malformed.status, 404);
    assert.deepEqual(same(malformed.body), same(unknown.body));
    assert.equal(malformedFail.status, 404);
    assert.deepEqual(same(malformedFail.body), same(unknown.body));
    assert.equal(unknown.headers.get('content-type'), 'application/problem+json; charset=utf-8');

    assert.equal(
      (await pipeline.api.post(`/api/v1/monitors/${monitor.id}/pause`, {}, token)).status,
      200,
    );
    const paused = await waitFor('a paused monitor refuses pings', async () => {
      const res = await ping(monitor);
      return res.status === 404 ? res : undefined;
    });
    assert.deepEqual(same(paused.body), same(unknown.body));
    assert.equal(
      (await pipeline.api.post(`/api/v1/monitors/${monitor.id}/resume`, {}, token)).status,
      200,
    );
    await waitFor(
      'a resumed monitor takes pings',
      async () => (await ping(monitor)).status === 200,
    );
  });

  it('limits pings per token with 429 and Retry-After, leaving other tokens alone', async () => {
    const busy = await createHeartbeat('busy');
    const calm = await createHeartbeat('calm');
    // All at once, so that the bucket does not refill in between.
    const answers = await Promise.all(
      Array.from({ length: PINGS_PER_MINUTE + 3 }, () => ping(busy)),
    );
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, PINGS_PER_MINUTE);
    const refused = answers.find((a) => a.status === 429)!;
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal((await ping(calm)).status, 200);
    const metrics = await (await fetch(`${pipeline.api.baseUrl}/metrics`)).text();
    assert.match(
      metrics,
      /uptime_gateway_pings_refused_total\{reason="rate_limit",app="gateway"\} [1-9]/,
    );
  });

  it('stores one missed_heartbeat result per missed period, opens one incident and resolves it on a ping, one alert each way', async () => {
    const monitor = await createHeartbeat('nightly job', { channelIds: [channelId] });
    assert.equal((await ping(monitor)).status, 200);
    const pingedAt = Date.now();

    const first = await waitFor(
      'the first missed period',
      async () => (await missedOf(monitor.id))[0],
      30_000,
      200,
    );
    assert.equal(first.outcome, 'down');
    assert.equal(first.region, 'push');
    const [hb] = first.assertions;
    assert.equal(hb?.type, 'heartbeat');
    assert.deepEqual(hb?.expected, { periodSeconds: PERIOD_SECONDS, graceSeconds: GRACE_SECONDS });
    assert.equal(hb?.passed, false);
    const lastPingAt = Date.parse((hb?.actual as { lastPingAt: string }).lastPingAt);
    assert.ok(Math.abs(lastPingAt - pingedAt) < 1000);
    assert.equal(
      Date.parse(first.scheduledAt),
      lastPingAt + (PERIOD_SECONDS + GRACE_SECONDS) * 1000,
    );
    await waitFor(
      'the down alert',
      () => receiver.kindsOf(monitor.id).includes('down') || undefined,
      20_000,
    );

    // The second period: one more result, no second alert.
    const both = await waitFor(
      'the second missed period',
      async () => {
        const found = await missedOf(monitor.id);
        return found.length >= 2 ? found : undefined;
      },
      20_000,
      200,
    );
    const deadlines = both.map((c) => Date.parse(c.scheduledAt) - lastPingAt).sort((a, b) => a - b);
    assert.deepEqual(deadlines, [11_000, 21_000]);

    const incidents = await pipeline.api.get<{
      items: { startedAt: string; resolvedAt: string | null }[];
    }>(`/api/v1/monitors/${monitor.id}/incidents`, token);
    assert.equal(incidents.body.items.length, 1);
    assert.equal(incidents.body.items[0]!.resolvedAt, null);

    assert.equal((await ping(monitor)).status, 200);
    await waitFor(
      'the up alert',
      () => receiver.kindsOf(monitor.id).includes('up') || undefined,
      20_000,
    );
    assert.deepEqual(receiver.kindsOf(monitor.id), ['down', 'up']);
    const downAlert = receiver.alerts.find((a) => a.monitor.id === monitor.id) as unknown as {
      incident: { cause: { errorKind: string; message: string } };
    };
    assert.equal(downAlert.incident.cause.errorKind, 'missed_heartbeat');
    assert.match(
      downAlert.incident.cause.message,
      /^no ping within 10 s \+ 1 s grace \(last ping /,
    );
    // Exactly one result per period, none again after the ping restarted the clock.
    assert.equal((await missedOf(monitor.id)).length, 2);
  });

  it('forgets a deleted monitor: its token answers 404 and its keys leave the bucket', async () => {
    const monitor = await createHeartbeat('to delete');
    assert.equal((await ping(monitor)).status, 200);
    const kv = await nc.jetstream().views.kv(HeartbeatBucket.bucket);
    assert.ok(await kv.get(heartbeatKeys.ping(monitor.id)));
    // Pinged only once the deletion is announced: a ping racing the announcement may write its
    // key after the scheduler purged it (the bucket's TTL removes that one).
    const announced = nc.subscribe(monitorEventSubject('deleted', monitor.id), { max: 1 });
    assert.equal((await pipeline.api.delete(`/api/v1/monitors/${monitor.id}`, token)).status, 204);
    const deadline = setTimeout(() => announced.unsubscribe(), 10_000);
    for await (const _ of announced) break;
    clearTimeout(deadline);
    await waitFor('the token forgotten', async () => (await ping(monitor)).status === 404);
    await waitFor('the keys gone', async () => {
      const entry = await kv.get(heartbeatKeys.ping(monitor.id));
      return entry === null || entry.operation !== 'PUT';
    });
  });

  it('leaves no ping key behind from pings racing the deletion', async () => {
    const monitor = await createHeartbeat('raced');
    // The first ping makes the gateway remember the token, as a job pinging often does.
    assert.equal((await ping(monitor)).status, 200);
    const kv = await nc.jetstream().views.kv(HeartbeatBucket.bucket);
    const announced = nc.subscribe(monitorEventSubject('deleted', monitor.id), { max: 1 });
    // Pings every 10 ms around the deletion (within the per-token limit), each one a write that
    // may land before or after the scheduler purges the keys.
    const pings = Array.from(
      { length: PINGS_PER_MINUTE - 2 },
      (_, i) =>
        new Promise<number>((resolve, reject) =>
          setTimeout(() => ping(monitor).then((r) => resolve(r.status), reject), i * 10),
        ),
    );
    assert.equal((await pipeline.api.delete(`/api/v1/monitors/${monitor.id}`, token)).status, 204);
    const deadline = setTimeout(() => announced.unsubscribe(), 10_000);
    for await (const _ of announced) break;
    clearTimeout(deadline);
    const statuses = await Promise.all(pings);
    assert.ok(
      statuses.every((s) => s === 200 || s === 404),
      `each ping recorded or refused as unknown: ${statuses}`,
    );
    assert.equal((await ping(monitor)).status, 404);
    await waitFor('the keys gone', async () => {
      const entry = await kv.get(heartbeatKeys.ping(monitor.id));
      return entry === null || entry.operation !== 'PUT';
    });
    // And they stay gone: no write still on its way puts one back.
    await new Promise((r) => setTimeout(r, 1000));
    const entry = await kv.get(heartbeatKeys.ping(monitor.id));
    assert.ok(entry === null || entry.operation !== 'PUT', `ping key left: ${entry?.operation}`);
  });

  it('round-trips a heartbeat monitor through a configuration document, keeping its token', async () => {
    const user = (await pipeline.api.newUser('heartbeat-config')).accessToken;
    const apply = async (document: unknown) => {
      const res = await pipeline.api.request<{
        create: unknown[];
        update: unknown[];
        unchanged: string[];
      }>('POST', '/api/v1/config/apply', { body: document, token: user });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const document = {
      version: 1,
      monitors: [
        { key: 'backup', name: 'Backup', type: 'heartbeat', heartbeat: { periodSeconds: 3600 } },
      ],
    };
    assert.equal((await apply(document)).create.length, 1);
    const [created] = (await pipeline.api.get<{ items: MonitorReply[] }>('/api/v1/monitors', user))
      .body.items;
    assert.match(created!.pingUrl ?? '', /\/ping\/[A-Za-z0-9_-]{32}$/);
    // The export states no url, and applying it (or the same document) again changes nothing.
    const exported = await pipeline.api.text('GET', '/api/v1/config/export', { token: user });
    assert.equal(exported.status, 200, exported.text);
    const parsed = parse(exported.text) as { monitors: Record<string, unknown>[] };
    assert.ok(!('url' in parsed.monitors[0]!), exported.text);
    const again = await apply(parsed);
    assert.deepEqual(again.unchanged, ['backup'], JSON.stringify({ again, parsed }));
    assert.deepEqual((await apply(document)).unchanged, ['backup']);
    const changed = await apply({
      ...document,
      monitors: [{ ...document.monitors[0], heartbeat: { periodSeconds: 60, graceSeconds: 5 } }],
    });
    assert.equal(changed.update.length, 1);
    const [after] = (await pipeline.api.get<{ items: MonitorReply[] }>('/api/v1/monitors', user))
      .body.items;
    assert.equal(after!.pingUrl, created!.pingUrl);
    assert.equal(after!.url, created!.url);
    assert.deepEqual(after!.heartbeat, { periodSeconds: 60, graceSeconds: 5 });
  });

  it('stores a missed period exactly once across a scheduler failover', async () => {
    const monitor = await createHeartbeat('failover job');
    assert.equal((await ping(monitor)).status, 200);
    const pingedAt = Date.now();
    const leader = await ownerOf(monitor.id);
    const standby = [...schedulers.keys()].find((id) => id !== leader)!;
    assert.ok(leader && schedulers.has(leader), `owner ${leader}`);

    // Just before the first deadline (ping + 11 s), the leader dies without a word.
    const firstDeadline = pingedAt + (PERIOD_SECONDS + GRACE_SECONDS) * 1000;
    await new Promise((r) => setTimeout(r, firstDeadline - 700 - Date.now()));
    const killed = schedulers.get(leader)!;
    assert.ok(killed.pid);
    process.kill(killed.pid, 'SIGKILL');
    await killed.exitCode(10_000).catch(() => undefined);
    schedulers.delete(leader);

    await waitFor(
      'the other scheduler to take the partition over',
      async () => (await ownerOf(monitor.id)) === standby,
      15_000,
      100,
    );
    // The oldest: on a loaded host the next periods may be stored by the time the first is seen,
    // and the list comes newest first.
    const first = await waitFor(
      'the missed period from the new leader',
      async () => (await missedOf(monitor.id)).sort(byScheduledAt)[0],
      20_000,
      200,
    );
    const lastPingAt = Date.parse(
      (first.assertions[0]?.actual as { lastPingAt: string }).lastPingAt,
    );
    assert.equal(Date.parse(first.scheduledAt), lastPingAt + 11_000);

    // The next periods come from the new leader too, and a scheduler that starts now reads the
    // count from the bucket: every period is stored once, none skipped, none twice.
    await startScheduler(`third-${pipeline.region}`);
    await waitFor(
      'the second period',
      async () => (await missedOf(monitor.id)).length >= 2 || undefined,
      20_000,
      200,
    );
    // Halfway between two deadlines, every period due so far has had 5 s to be stored.
    const sinceDeadline = (Date.now() - lastPingAt - 11_000) % 10_000;
    await new Promise((r) => setTimeout(r, (15_000 - sinceDeadline) % 10_000));
    const due = Math.floor((Date.now() - lastPingAt - 1_000) / 10_000);
    const stored = await missedOf(monitor.id);
    assert.deepEqual(
      stored.map((c) => Date.parse(c.scheduledAt) - lastPingAt).sort((a, b) => a - b),
      Array.from({ length: due }, (_, k) => 11_000 + k * 10_000),
    );
    assert.equal(new Set(stored.map((c) => c.id)).size, stored.length);
  });
});

function byScheduledAt(a: { scheduledAt: string }, b: { scheduledAt: string }): number {
  return Date.parse(a.scheduledAt) - Date.parse(b.scheduledAt);
}

function fieldsOf(body: unknown): string[] {
  return ((body as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field);
}
