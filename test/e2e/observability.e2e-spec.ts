import { freePort } from '@uptime/embedded';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from '../support/api-client';
import { AppProcess } from '../support/app-process';
import { type ReceivedSpan, OtlpReceiver } from '../support/otlp-receiver';
import { JWT_SECRET, NATS_URL } from '../support/services';
import { TargetServer } from '../support/target-server';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const APPS = ['monitor-registry', 'scheduler', 'prober', 'metrics', 'notifier', 'gateway'] as const;

/** Compiled to dist/test/e2e: the repository root is three folders up. */
const DASHBOARD = join(__dirname, '..', '..', '..', 'deploy', 'grafana', 'uptime-platform.json');

interface JsonLogLine {
  level: string;
  timestamp: number;
  message: unknown;
  context?: string;
}

interface RequestLog {
  method: string;
  route: string;
  status: number;
  durationMs: number;
  requestId: string;
}

/**
 * The apps as an operator runs them, each its own process, with LOG_FORMAT=json and traces
 * exported to an OTLP/HTTP receiver this test runs.
 */
describe('observability: JSON logs, request logs, RED metrics and traces across the services', () => {
  let db: TestDatabase;
  let dataDir: string;
  let otlp: OtlpReceiver;
  let target: TargetServer;
  let api: ApiClient;
  let token: string;
  const ports = new Map<string, number>();
  const running = new Map<string, AppProcess>();
  const url = (app: string) => `http://127.0.0.1:${ports.get(app)}`;

  const jsonLines = (p: AppProcess): JsonLogLine[] =>
    p.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line, i) => {
        try {
          return JSON.parse(line) as JsonLogLine;
        } catch {
          assert.fail(`${p.name} stdout line ${i + 1} is not JSON: ${line}`);
        }
      });

  const requestLogs = (): RequestLog[] =>
    jsonLines(running.get('gateway')!)
      .filter((l) => l.context === 'HTTP')
      .map((l) => l.message as RequestLog);

  before(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'uptime-observability-'));
    otlp = await OtlpReceiver.start();
    target = await TargetServer.start();
    for (const app of APPS) ports.set(app, await freePort());
    for (const app of APPS) {
      const p = AppProcess.start(app, {
        NATS_URL,
        PORT: String(ports.get(app)),
        DATABASE_URL: db.url,
        JWT_SECRET,
        DATA_DIR: dataDir,
        PROBE_ALLOW_PRIVATE: 'true',
        // Debug: Nest's own start-up lines too, so every kind of line is proven JSON.
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      });
      running.set(app, p);
    }
    // Together: one after the other, six starts take minutes on a busy machine.
    await Promise.all(APPS.map((app) => running.get(app)!.waitReady(url(app), 150_000)));
    api = new ApiClient(url('gateway'));
    token = (await api.newUser('observed')).accessToken;
  });
  after(async () => {
    for (const p of running.values()) await p.stop('SIGKILL').catch(() => undefined);
    await otlp?.close();
    await target?.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('should log one request line per request with method, route pattern, status, duration and request id', async () => {
    const created = await api.post<{ id: string }>(
      '/api/v1/monitors',
      { name: 'Logged', url: target.url('logged') },
      token,
    );
    assert.equal(created.status, 201);
    const kept = await fetch(`${url('gateway')}/api/v1/monitors/${created.body.id}`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-0123456789abcdef' },
    });
    assert.equal(kept.status, 200);
    assert.equal(kept.headers.get('x-request-id'), 'req-0123456789abcdef');
    const insane = await fetch(`${url('gateway')}/api/v1/monitors`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'two words\tand a tab' },
    });
    const generated = insane.headers.get('x-request-id') ?? '';
    assert.match(generated, /^[0-9a-f-]{36}$/, 'a new id replaces one that is not plain');
    const pingToken = 'secret-ping-token-0123456789';
    assert.equal((await fetch(`${url('gateway')}/ping/${pingToken}`)).status, 404);

    await waitFor(
      'the request lines',
      () => requestLogs().some((l) => l.route === '/ping/:token'),
      5000,
    );
    const logs = requestLogs();
    const byId = logs.find((l) => l.requestId === 'req-0123456789abcdef');
    assert.deepEqual(
      { ...byId, durationMs: typeof byId?.durationMs },
      {
        method: 'GET',
        route: '/api/v1/monitors/:id',
        status: 200,
        durationMs: 'number',
        requestId: 'req-0123456789abcdef',
      },
    );
    assert.ok(logs.some((l) => l.requestId === generated && l.route === '/api/v1/monitors'));
    assert.ok(
      logs.some((l) => l.method === 'POST' && l.route === '/api/v1/monitors' && l.status === 201),
    );
    assert.ok(logs.some((l) => l.route === '/ping/:token' && l.status === 404));
    for (const p of running.values())
      assert.doesNotMatch(
        p.stdout + p.stderr,
        new RegExp(`${pingToken}|${token}`),
        `${p.name} logged a secret`,
      );
  });

  it('should count requests and their durations by method, route pattern and status', async () => {
    const text = await (await fetch(`${url('gateway')}/metrics`)).text();
    const series = (name: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) && l.includes('route="/api/v1/monitors/:id"'));
    const total = series('http_requests_total').find(
      (l) => /method="GET"/.test(l) && /status="200"/.test(l),
    );
    assert.ok(total, 'http_requests_total for GET /api/v1/monitors/:id 200');
    assert.ok(Number(total.split(' ').pop()) >= 1);
    assert.ok(series('http_request_duration_seconds_count').length > 0);
    assert.ok(series('http_request_duration_seconds_bucket').some((l) => /le="\+Inf"/.test(l)));
    assert.doesNotMatch(text, /secret-ping-token/, 'a path is never a label');
  });

  it('should carry one trace from the gateway through NATS to the prober, metrics and notifier', async () => {
    const monitor = await api.post<{ id: string }>(
      '/api/v1/monitors',
      { name: 'Traced', url: target.url('traced'), intervalSeconds: 3600 },
      token,
    );
    assert.equal(monitor.status, 201);
    const check = await api.post<{ id: string }>(
      `/api/v1/monitors/${monitor.body.id}/check`,
      {},
      token,
    );
    assert.equal(check.status, 200, JSON.stringify(check.body));

    const checkSpan = (s: ReceivedSpan) => s.attributes['uptime.check.id'] === check.body.id;
    const prober = await waitFor('the prober span', () => otlp.spans.find(checkSpan), 10_000);
    const trace = () => otlp.spans.filter((s) => s.traceId === prober.traceId);
    const byService = (service: string, name: string) =>
      trace().find((s) => s.service === service && s.name === name);
    await waitFor(
      'spans of metrics and notifier in the trace',
      () =>
        byService('metrics', 'CHECK_RESULTS process') &&
        byService('notifier', 'CHECK_RESULTS process'),
      10_000,
    );
    const root = byService('gateway', 'POST /api/v1/monitors/:id/check');
    assert.ok(
      root,
      `the gateway's span; the trace holds ${trace().map((s) => `${s.service}:${s.name}`)}`,
    );
    assert.equal(root.parentSpanId, undefined, 'the request starts the trace');
    assert.equal(prober.service, 'prober');
    assert.equal(prober.parentSpanId, root.spanId, 'the probe continues the request');
    assert.equal(byService('metrics', 'CHECK_RESULTS process')!.parentSpanId, prober.spanId);
    assert.equal(byService('notifier', 'CHECK_RESULTS process')!.parentSpanId, prober.spanId);
    // The monitor was read from the registry over NATS request/reply, within the same trace.
    const asked = trace().find((s) => s.service === 'gateway' && /request$/.test(s.name));
    assert.ok(asked, 'the gateway asked the registry');
    assert.equal(asked.parentSpanId, root.spanId);
    const answered = trace().find(
      (s) => s.service === 'monitor-registry' && s.parentSpanId === asked.spanId,
    );
    assert.ok(answered, "the registry's answer is a child of the question");
    assert.deepEqual(otlp.refused, []);
  });

  it('should export every metric the Grafana dashboard queries, from some app', async () => {
    const exported = new Set<string>();
    for (const app of APPS) {
      const text = await (await fetch(`${url(app)}/metrics`)).text();
      for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        exported.add(m[1]!);
        if (m[2] === 'histogram')
          for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${m[1]}${suffix}`);
      }
    }
    const dashboard = await readFile(DASHBOARD, 'utf8');
    const queried = new Set(
      [...dashboard.matchAll(/"expr":\s*"((?:[^"\\]|\\.)*)"/g)].flatMap(([, expr]) =>
        [...expr!.matchAll(/\b((?:uptime|http|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!),
      ),
    );
    assert.ok(queried.size >= 8, `the dashboard queries ${[...queried]}`);
    const missing = [...queried].filter((name) => !exported.has(name));
    assert.deepEqual(missing, [], 'queried by the dashboard, exported by no app');
  });

  it('should write nothing but JSON objects on stdout, from every app, through a stop', async () => {
    for (const app of [...APPS].reverse())
      assert.equal(await running.get(app)!.stop('SIGTERM'), 0, app);
    for (const p of running.values()) {
      const lines = jsonLines(p);
      assert.ok(lines.length > 3, `${p.name} logged ${lines.length} lines`);
      for (const line of lines) {
        assert.equal(typeof line.level, 'string');
        assert.equal(typeof line.timestamp, 'number');
        assert.ok('message' in line);
      }
      assert.ok(
        lines.some((l) => l.context === 'InstanceLoader'),
        `${p.name}: Nest's own lines too`,
      );
    }
  });
});
