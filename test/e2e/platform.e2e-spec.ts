import { freePort, postgresClusterDir, removeDataDir } from '@uptime/embedded';
import assert from 'node:assert/strict';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from '../support/api-client';
import { AppProcess } from '../support/app-process';
import { NATS_URL } from '../support/services';

/** `npm start`: every app in one process on the embedded defaults (embedded PostgreSQL, chDB). */
describe('single-process platform', () => {
  let dataDir: string;
  let port: number;
  let platform: AppProcess | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'uptime-platform-'));
    port = await freePort();
  });
  after(async () => {
    await platform?.stop('SIGKILL').catch(() => undefined);
    await removeDataDir(dataDir);
  });

  const start = async () => {
    const started = Date.now();
    platform = AppProcess.start('platform', {
      DATA_DIR: dataDir,
      PORT: String(port),
      NATS_URL,
      HOST: '127.0.0.1',
    });
    await platform.waitReady(`http://127.0.0.1:${port}`, 90_000);
    return Date.now() - started;
  };

  it('should start, print its URLs and be ready only with every app ready', async () => {
    const ms = await start();
    process.stdout.write(`# platform start to ready: ${ms} ms\n`);
    assert.match(platform!.stdout, new RegExp(`API\\s+http://127\\.0\\.0\\.1:${port}/api/v1`));
    assert.match(platform!.stdout, /Docs\s+http:\/\/127\.0\.0\.1:\d+\/docs/);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.json() as Promise<{ details: object }>,
    );
    for (const key of [
      'nats',
      'monitor-registry.postgres',
      'monitor-registry.nats',
      'scheduler.nats',
      'prober.nats',
      'metrics.clickhouse',
      'metrics.nats',
      'notifier.nats',
      'notifier.postgres',
    ]) {
      assert.ok(key in ready.details, `ready covers ${key}`);
    }
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    for (const name of [
      'uptime_scheduler_partitions_owned',
      'uptime_scheduler_monitors',
      'uptime_probe_checks_total',
      'uptime_probe_stale_jobs_total',
      'uptime_metrics_checks_stored_total',
    ]) {
      assert.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'), `/metrics exposes ${name}`);
    }
    assert.equal(
      metrics.match(/^# TYPE process_cpu_user_seconds_total /gm)?.length,
      1,
      'process metrics once',
    );
    assert.equal((await fetch(`http://127.0.0.1:${port}/health/live`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${port}/docs`)).status, 200);
    const spec = (await fetch(`http://127.0.0.1:${port}/docs/openapi.json`).then((r) =>
      r.json(),
    )) as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/api/v1/auth/register',
      '/api/v1/monitors',
      '/api/v1/monitors/{id}/pause',
    ]) {
      assert.ok(path in spec.paths, `OpenAPI documents ${path}`);
    }
  });

  it('should keep a generated JWT secret and the embedded database under DATA_DIR, owner-only', async () => {
    const secret = await stat(join(dataDir, 'jwt-secret'));
    assert.equal(secret.mode & 0o777, 0o600);
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
    const cluster = await postgresClusterDir(dataDir);
    assert.ok(cluster && (await stat(join(cluster, 'PG_VERSION'))).isFile());
  });

  it('should drain and exit 0 on SIGTERM with no stack trace, then find its data again', async () => {
    const api = new ApiClient(`http://127.0.0.1:${port}`);
    const user = await api.newUser('restart');
    const created = await api.post<{ id: string }>(
      '/api/v1/monitors',
      { name: 'Survives', url: 'https://survives.example.test/' },
      user.accessToken,
    );
    assert.equal(created.status, 201);

    assert.equal(await platform!.stop('SIGTERM'), 0);
    assert.doesNotMatch(
      platform!.stderr + platform!.stdout,
      /\n\s+at .+:\d+:\d+/,
      'no stack trace',
    );
    assert.match(platform!.stdout, /SIGTERM received/);

    await start();
    const login = await api.post<{ accessToken: string }>('/api/v1/auth/login', {
      email: user.email,
      password: user.password,
    });
    assert.equal(login.status, 200);
    const me = await api.get('/api/v1/auth/me', user.accessToken);
    assert.equal(me.status, 200, 'an access token from before the restart still verifies');
    const got = await api.get<{ name: string }>(
      `/api/v1/monitors/${created.body.id}`,
      login.body.accessToken,
    );
    assert.equal(got.status, 200);
    assert.equal(got.body.name, 'Survives');

    assert.equal(await platform!.stop('SIGINT'), 0);
  });

  it('should refuse to start in production without JWT_SECRET, saying so', async () => {
    const p = AppProcess.start('platform', {
      DATA_DIR: dataDir,
      PORT: String(port),
      NATS_URL,
      NODE_ENV: 'production',
    });
    assert.equal(await p.exitCode(), 1);
    assert.match(p.stderr, /JWT_SECRET is required when NODE_ENV=production/);
  });
});

/** `PROBE_REGIONS=eu,us npm start`: several regions on one machine, one prober each. */
describe('single-process platform with several regions', () => {
  const suffix = Math.random().toString(36).slice(2, 7);
  const eu = `eu-${suffix}`;
  const us = `us-${suffix}`;
  let dataDir: string;
  let port: number;
  let platform: AppProcess | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'uptime-platform-regions-'));
    port = await freePort();
    platform = AppProcess.start('platform', {
      DATA_DIR: dataDir,
      PORT: String(port),
      NATS_URL,
      HOST: '127.0.0.1',
      PROBE_REGIONS: `${eu},${us}`,
    });
    await platform.waitReady(`http://127.0.0.1:${port}`, 90_000);
  });
  after(async () => {
    await platform?.stop('SIGKILL').catch(() => undefined);
    await removeDataDir(dataDir);
  });

  it('should run a prober per region, each live and healthy, and give new monitors both regions', async () => {
    const base = `http://127.0.0.1:${port}`;
    const api = new ApiClient(base);
    const { accessToken } = await api.newUser('regions');
    const res = await api.get<{ items: { name: string; probers: number; state: string }[] }>(
      '/api/v1/regions',
      accessToken,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.items.map((r) => [r.name, r.probers, r.state]),
      [
        [eu, 1, 'healthy'],
        [us, 1, 'healthy'],
      ],
    );
    const created = await api.post<{ regions: string[] }>(
      '/api/v1/monitors',
      { name: 'Both regions', url: 'https://both.example.test/' },
      accessToken,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.regions, [eu, us]);

    const ready = await fetch(`${base}/health/ready`).then(
      (r) => r.json() as Promise<{ details: object }>,
    );
    for (const key of [`prober-${eu}.nats`, `prober-${us}.nats`, 'scheduler.regions']) {
      assert.ok(key in ready.details, `ready covers ${key}`);
    }
    // Two probers' metrics in one scrape, apart by their region.
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    for (const region of [eu, us]) {
      assert.match(
        text,
        new RegExp(`^uptime_probe_canary_failing\\{app="prober",region="${region}"\\} 0$`, 'm'),
      );
    }
    assert.equal(await platform!.stop('SIGINT'), 0);
  });
});
