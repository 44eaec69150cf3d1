import { freePort } from '@uptime/embedded';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from '../support/api-client';
import { AppProcess } from '../support/app-process';
import { JWT_SECRET, NATS_URL } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const APPS = ['monitor-registry', 'scheduler', 'prober', 'metrics', 'notifier', 'gateway'] as const;

/** Each app as its own process, as docker-compose and deploy/ run them. */
describe('apps started alone', () => {
  let db: TestDatabase;
  let dataDir: string;
  const ports = new Map<string, number>();
  const running = new Map<string, AppProcess>();
  const url = (app: string) => `http://127.0.0.1:${ports.get(app)}`;

  const envOf = (app: string): Record<string, string> => ({
    NATS_URL,
    PORT: String(ports.get(app)),
    DATABASE_URL: db.url,
    JWT_SECRET,
    DATA_DIR: dataDir,
  });

  const start = (app: string) => {
    const p = AppProcess.start(app, envOf(app));
    running.set(app, p);
    // Six apps starting together on a loaded 2-core machine: each may take longer to be ready.
    return p.waitReady(url(app), 120_000);
  };
  /**
   * Starts those of the apps not running, all at once as docker compose does (each waits for
   * NATS and its database itself): each test asks for what it needs, so any runs alone.
   */
  const ensureRunning = async (...apps: readonly string[]) => {
    await Promise.all(apps.filter((app) => !running.get(app)?.alive).map(start));
  };

  before(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'uptime-apps-'));
    for (const app of APPS) ports.set(app, await freePort());
  });
  after(async () => {
    for (const p of running.values()) await p.stop('SIGKILL').catch(() => undefined);
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('should start every app in its own process with live and ready health', async () => {
    await ensureRunning(...APPS);
    for (const app of APPS) {
      assert.equal((await fetch(`${url(app)}/health/live`)).status, 200, `${app} live`);
      const ready = (await fetch(`${url(app)}/health/ready`).then((r) => r.json())) as {
        status: string;
        details: object;
      };
      assert.equal(ready.status, 'ok', app);
      assert.ok('nats' in ready.details, `${app} checks NATS`);
    }
    const registryReady = (await fetch(`${url('monitor-registry')}/health/ready`).then((r) =>
      r.json(),
    )) as { details: object };
    assert.ok('postgres' in registryReady.details);
    const notifierReady = (await fetch(`${url('notifier')}/health/ready`).then((r) =>
      r.json(),
    )) as { details: object };
    assert.ok('postgres' in notifierReady.details);
    const metricsReady = (await fetch(`${url('metrics')}/health/ready`).then((r) => r.json())) as {
      details: object;
    };
    assert.ok('clickhouse' in metricsReady.details);
  });

  it('should keep users and monitors across a registry restart, and answer 503 while it is down', async () => {
    await ensureRunning('monitor-registry', 'gateway');
    const api = new ApiClient(url('gateway'));
    const user = await api.newUser('standalone');
    const m = await api.post<{ id: string }>(
      '/api/v1/monitors',
      { name: 'Kept', url: 'https://kept.example.test/' },
      user.accessToken,
    );
    assert.equal(m.status, 201);

    assert.equal(await running.get('monitor-registry')!.stop('SIGTERM'), 0);
    const down = await api.get(`/api/v1/monitors/${m.body.id}`, user.accessToken);
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('content-type'), 'application/problem+json; charset=utf-8');

    await start('monitor-registry');
    const back = await api.get<{ name: string }>(`/api/v1/monitors/${m.body.id}`, user.accessToken);
    assert.equal(back.status, 200);
    assert.equal(back.body.name, 'Kept');
    assert.equal(
      (await api.post('/api/v1/auth/login', { email: user.email, password: user.password })).status,
      200,
    );
  });

  it('should exit 0 on SIGTERM, every app, with no stack trace', async () => {
    await ensureRunning(...APPS);
    for (const app of [...APPS].reverse()) {
      const p = running.get(app)!;
      assert.equal(await p.stop('SIGTERM'), 0, app);
      assert.doesNotMatch(p.stderr, /\n\s+at .+:\d+:\d+/, `${app} printed a stack trace`);
    }
  });
});

// Each case is a process that exits on its own once it read its configuration: two at a time
// (CI has two cores; more at once only stretches each one's start past its deadline).
describe('configuration checked at start', { concurrency: 2 }, () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['gateway', { JWT_SECRET: 'short' }, /JWT_SECRET: must be at least 32 characters/],
    ['gateway', {}, /JWT_SECRET: .*is missing/],
    ['gateway', { JWT_SECRET: 'x'.repeat(40), PORT: 'eighty' }, /PORT: must be a port number/],
    ['monitor-registry', {}, /DATABASE_URL: .*is missing/],
    [
      'monitor-registry',
      { DATABASE_URL: 'mysql://u:secretpw@h/db' },
      /DATABASE_URL: must be a postgres:\/\/ URL/,
    ],
    [
      'metrics',
      { CLICKHOUSE_URL: 'tcp://ch:9000' },
      /CLICKHOUSE_URL: must be an http\(s\):\/\/ URL/,
    ],
    ['prober', { NATS_URL: 'localhost:4222' }, /NATS_URL: must be a nats:\/\/ URL/],
    [
      'scheduler',
      { LOG_LEVEL: 'loud' },
      /LOG_LEVEL: must be one of error, warn, info, debug, verbose/,
    ],
    ['notifier', {}, /DATABASE_URL: .*is missing/],
    [
      'notifier',
      { DATABASE_URL: 'postgres://h/db', SMTP_URL: 'smtp://u:secretpw@mail:587' },
      /MAIL_FROM: is required when SMTP_URL is set/,
    ],
  ];
  for (const [app, env, message] of cases) {
    it(`should stop ${app} with a clear message for ${JSON.stringify(env)}`, async () => {
      const p = AppProcess.start(app, env);
      assert.equal(await p.exitCode(), 1);
      assert.match(p.stderr, message);
      assert.doesNotMatch(p.stderr, /secretpw/, 'never prints a secret');
    });
  }
});
