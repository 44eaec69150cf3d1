import {
  isRunning,
  freePort,
  NATS_PID_FILE,
  POSTGRES_PID_FILE,
  postgresClusterDir,
  removeDataDir,
} from '@uptime/embedded';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, watch } from 'node:fs';
import { chown, lstat, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import type { CheckResult } from '@uptime/contracts';
import { ApiClient } from '../support/api-client';
import { AppProcess } from '../support/app-process';
import { TargetServer } from '../support/target-server';
import { waitFor } from '../support/wait-for';

/**
 * `npm start` as an operator lives with it: first start as root from a folder nobody else can
 * enter, Ctrl-C in a terminal, a platform killed and started again, an embedded server that
 * dies, and what the start exposes by default. Each platform runs its own nats-server (NATS_URL
 * points at a free port) and PostgreSQL, under its own DATA_DIR.
 */
describe('platform lifecycle', () => {
  const made: string[] = [];
  let running: AppProcess | undefined;

  afterEach(async () => {
    await running?.stop('SIGKILL', 5_000).catch(() => undefined);
    running = undefined;
  });
  after(async () => {
    for (const dataDir of made) {
      for (const pid of await serverPids(dataDir)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
      await removeDataDir(dataDir);
      await rm(dirname(dataDir), { recursive: true, force: true });
    }
  });

  /** A DATA_DIR inside a fresh 0700 folder: only its owner can enter anything above it. */
  const privateDataDir = async () => {
    const parent = await mkdtemp(join(tmpdir(), 'uptime-lifecycle-'));
    const dataDir = join(parent, 'data');
    made.push(dataDir);
    return dataDir;
  };

  const start = async (
    dataDir: string,
    env: Record<string, string> = {},
    options: { detached?: boolean; uid?: number; gid?: number } = {},
  ) => {
    const port = await freePort();
    const natsPort = await freePort();
    running = AppProcess.start(
      'platform',
      { DATA_DIR: dataDir, PORT: String(port), NATS_URL: `nats://127.0.0.1:${natsPort}`, ...env },
      [],
      options,
    );
    await running.waitReady(`http://127.0.0.1:${port}`, 90_000);
    return { platform: running, port };
  };

  it('should start as root from a folder others cannot enter, with DATA_DIR and everything in it owner-only and no password file in the temp folder', async () => {
    const dataDir = await privateDataDir();
    const parent = dirname(dataDir);
    assert.equal((await lstat(parent)).mode & 0o777, 0o700, 'the folder above DATA_DIR is private');
    // initdb takes the superuser password from a file: it must never be one in the temp folder.
    const tmp = join(parent, 'tmp');
    await mkdir(tmp, { mode: 0o700 });
    const seen: string[] = [];
    const watcher = watch(tmp, (_event, name) => name && seen.push(name));
    try {
      await start(dataDir, { TMPDIR: tmp });
    } finally {
      watcher.close();
    }
    assert.deepEqual(
      [...seen, ...readdirSync(tmp)].filter((n) => /pg-password|pwfile/i.test(n)),
      [],
      'no password file in TMPDIR',
    );
    assert.equal((await lstat(parent)).mode & 0o777, 0o700, 'the folder above is left as it was');

    const open = await notOwnerOnly(dataDir);
    assert.deepEqual(open, [], 'every folder 0700 and every file without group/other bits');
    assert.equal((await lstat(dataDir)).mode & 0o777, 0o700);
    for (const name of ['jwt-secret', 'postgres-password', 'clickhouse', 'nats'])
      assert.ok(
        (await readdir(dataDir)).includes(name),
        `${name} is under DATA_DIR and was checked`,
      );
    const cluster = await postgresClusterDir(dataDir);
    assert.ok(cluster, 'DATA_DIR records where its cluster is');
    const clusterInfo = await lstat(cluster);
    assert.equal(clusterInfo.mode & 0o777, 0o700, 'the cluster folder is its owner only');
    if (process.getuid?.() === 0) {
      assert.notEqual(clusterInfo.uid, 0, 'as root the cluster belongs to the postgres user');
      const leftovers = (await readdir(dirname(cluster))).filter((n) => n !== 'postgres');
      assert.deepEqual(leftovers, [], 'the initdb password copy is gone');
    }
  });

  it('should start as a normal user with the cluster in DATA_DIR, owner-only, and stop on SIGINT', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('the suite already runs as a normal user');
    const nobody = account('nobody');
    if (!nobody) return t.skip('no nobody account');
    const dataDir = await privateDataDir();
    await chown(dirname(dataDir), nobody.uid, nobody.gid);
    const { platform } = await start(dataDir, {}, nobody);
    const info = await lstat(join(dataDir, 'postgres', 'PG_VERSION'));
    assert.equal(info.uid, nobody.uid, 'as a normal user the cluster is in DATA_DIR, its own');
    assert.deepEqual(await notOwnerOnly(dataDir), []);
    assert.ok(!(await readdir(dataDir)).includes('postgres-cluster-id'));
    const servers = await serverPids(dataDir);
    assert.equal(await platform.stop('SIGINT', 15_000), 0, platform.stderr);
    assert.deepEqual(servers.filter(isRunning), []);
  });

  it('should listen on 127.0.0.1 only by default and probe loopback targets there', async () => {
    const dataDir = await privateDataDir();
    const { platform, port } = await start(dataDir);
    assert.match(platform.stdout, new RegExp(`API\\s+http://127\\.0\\.0\\.1:${port}/api/v1`));
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (external) {
      await assert.rejects(
        fetch(`http://${external}:${port}/health/live`, { signal: AbortSignal.timeout(3000) }),
        `nothing answers on ${external}`,
      );
    }
    const target = await TargetServer.start();
    try {
      const result = await checkOnce(port, `${target.baseUrl}/loopback-default`);
      assert.equal(result.outcome, 'up', JSON.stringify(result));
    } finally {
      await target.close();
    }
  });

  it('should run every app on one event loop with APP_THREADS=false, probe there, and stop on SIGTERM', async () => {
    const dataDir = await privateDataDir();
    const { platform, port } = await start(dataDir, { APP_THREADS: 'false' });
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.json() as Promise<{ status: string; details: object }>,
    );
    assert.equal(ready.status, 'ok');
    for (const key of ['scheduler.schedule', 'prober.overload', 'metrics.clickhouse']) {
      assert.ok(key in ready.details, `ready covers ${key}`);
    }
    const target = await TargetServer.start();
    try {
      const result = await checkOnce(port, `${target.baseUrl}/one-thread`);
      assert.equal(result.outcome, 'up', JSON.stringify(result));
    } finally {
      await target.close();
    }
    const servers = await serverPids(dataDir);
    assert.equal(await platform.stop('SIGTERM', 15_000), 0, platform.stderr);
    assert.deepEqual(servers.filter(isRunning), []);
  });

  it('should stop with exit 1 naming the setting when one app on its own thread refuses its config, and leave no server behind', async () => {
    const dataDir = await privateDataDir();
    const p = AppProcess.start('platform', {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      PROBE_CONCURRENCY: 'lots',
    });
    assert.equal(await p.exitCode(), 1);
    assert.match(p.stderr, /The platform could not start: .*PROBE_CONCURRENCY/s);
    assert.doesNotMatch(p.stderr + p.stdout, /\n\s+at .+:\d+:\d+/, 'no stack trace');
    assert.match(p.stdout, /embedded PostgreSQL at/, 'the refusal came after the servers started');
    assert.deepEqual(processesUsing(dataDir), [], 'no server left behind');
  });

  it('should refuse private targets when HOST is not loopback, unless PROBE_ALLOW_PRIVATE is set, and say so', async () => {
    const dataDir = await privateDataDir();
    const { platform, port } = await start(dataDir, { HOST: '0.0.0.0' });
    assert.match(platform.stdout + platform.stderr, /HOST=0\.0\.0\.0: the API is reachable/);
    const target = await TargetServer.start();
    try {
      // An address is refused when the monitor is saved; a name, when the check dials it.
      const api = new ApiClient(`http://127.0.0.1:${port}`);
      const user = await api.newUser('exposure');
      const literal = await api.post<{ errors?: { field: string; message: string }[] }>(
        '/api/v1/monitors',
        { name: 'Private', url: `${target.baseUrl}/exposed` },
        user.accessToken,
      );
      assert.equal(literal.status, 400, JSON.stringify(literal.body));
      assert.equal(literal.body.errors?.[0]?.field, 'url');
      assert.match(literal.body.errors?.[0]?.message ?? '', /loopback address/);
      const named = `${target.baseUrl.replace('127.0.0.1', 'localhost')}/exposed`;
      const result = await checkOnce(port, named);
      assert.equal(result.errorKind, 'blocked_target', JSON.stringify(result));
      assert.equal(target.hits.get('exposed') ?? 0, 0, 'the private target is never contacted');
    } finally {
      await target.close();
    }
  });

  it('should end on a Ctrl-C to its whole process group within 15 s, exit 0 and leave no server behind', async () => {
    const dataDir = await privateDataDir();
    const { platform } = await start(dataDir, {}, { detached: true });
    const servers = await serverPids(dataDir);
    assert.equal(servers.length, 2, 'it runs its own nats-server and PostgreSQL');
    const started = Date.now();
    platform.signalGroup('SIGINT');
    assert.equal(await platform.exitCode(15_000), 0, platform.stderr);
    process.stdout.write(`# Ctrl-C to exit: ${Date.now() - started} ms\n`);
    assert.doesNotMatch(platform.stdout, /relay pass failed/);
    assert.deepEqual(servers.filter(isRunning), [], 'nats-server and PostgreSQL are gone');
    assert.deepEqual(processesUsing(dataDir), [], 'no process runs on DATA_DIR');
  });

  it('should finish its start, then stop and leave no server behind, on a SIGINT during the start', async () => {
    const dataDir = await privateDataDir();
    running = AppProcess.start('platform', {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
    });
    const nats = await waitFor(
      'nats-server started',
      async () => (await serverPids(dataDir))[0],
      30_000,
      20,
    );
    assert.equal(await running.stop('SIGINT', 60_000), 0, running.stderr);
    assert.equal(isRunning(nats), false, 'the nats-server of the interrupted start is gone');
    assert.deepEqual(processesUsing(dataDir), []);
  });

  it('should end within 10 s of SIGINT when its NATS and database no longer answer', async () => {
    const dataDir = await privateDataDir();
    const { platform } = await start(dataDir);
    const servers = await serverPids(dataDir);
    assert.equal(servers.length, 2);
    // Frozen, not dead: nothing answers and nothing tells the apps, the worst case for a drain.
    for (const pid of servers) process.kill(pid, 'SIGSTOP');
    const started = Date.now();
    const code = await platform.stop('SIGINT', 10_000);
    process.stdout.write(
      `# SIGINT to exit with NATS and PostgreSQL frozen: ${Date.now() - started} ms\n`,
    );
    assert.equal(code, 0);
    await waitFor('the frozen servers killed', () => servers.every((p) => !isRunning(p)), 2_000);
  });

  it('should end the servers a killed platform left behind when it starts again', async () => {
    const dataDir = await privateDataDir();
    const first = await start(dataDir);
    const api = new ApiClient(`http://127.0.0.1:${first.port}`);
    const user = await api.newUser('orphans');
    const before = await serverPids(dataDir);
    assert.equal(before.length, 2);
    await first.platform.stop('SIGKILL');
    assert.deepEqual(
      before.filter(isRunning),
      before,
      'a killed platform leaves its servers running',
    );

    const second = await start(dataDir);
    assert.deepEqual(before.filter(isRunning), [], 'the leftovers are ended');
    const after = await serverPids(dataDir);
    assert.equal(after.length, 2);
    assert.ok(after.every(isRunning));
    const login = await new ApiClient(`http://127.0.0.1:${second.port}`).post(
      '/api/v1/auth/login',
      { email: user.email, password: user.password },
    );
    assert.equal(login.status, 200, 'the data of the first run is there');
    assert.equal(await second.platform.stop('SIGTERM'), 0);
    assert.deepEqual(after.filter(isRunning), []);
  });

  it('should refuse a second platform on the same DATA_DIR instead of ending the first one’s servers', async () => {
    const dataDir = await privateDataDir();
    const first = await start(dataDir);
    const servers = await serverPids(dataDir);
    const second = AppProcess.start('platform', {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
    });
    assert.equal(await second.exitCode(30_000), 1);
    assert.match(second.stderr, /another platform \(pid \d+\) is running on DATA_DIR/);
    assert.deepEqual(servers.filter(isRunning), servers, "the first platform's servers still run");
    assert.equal((await fetch(`http://127.0.0.1:${first.port}/health/ready`)).status, 200);
  });

  it('should restart an embedded nats-server that dies, and stop with a clear message when it keeps dying', async () => {
    const dataDir = await privateDataDir();
    const { platform, port } = await start(dataDir);
    const output = () => platform.stdout + platform.stderr;
    // Only a server that came up counts as restarted: the platform says so with its pid.
    const restarted = () =>
      [...output().matchAll(/nats-server restarted \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    const waitRestarts = (n: number) =>
      waitFor(`restart ${n} of nats-server`, () => restarted().length >= n, 15_000, 100);
    const firstPid = Number((await readFile(join(dataDir, NATS_PID_FILE), 'utf8')).trim());
    process.kill(firstPid, 'SIGKILL');
    await waitRestarts(1);
    assert.match(output(), new RegExp(`nats-server \\(pid ${firstPid}\\) exited unexpectedly`));
    assert.ok(isRunning(restarted()[0]!));
    await waitFor(
      'ready again',
      async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200,
      20_000,
      200,
    );
    // Its JetStream is watched (a stuck one is restarted: libs/embedded jetstream-watch.spec).
    const ready = (await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.json())) as {
      details: Record<string, { status: string }>;
    };
    assert.equal(ready.details['platform.jetstream']?.status, 'up');
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    assert.match(metrics, /^uptime_platform_jetstream_available 1$/m);
    assert.match(metrics, /^uptime_platform_nats_restarts_total 0$/m, 'a crash is not counted');

    // Dying again and again within a minute: the platform gives up and ends, saying why.
    process.kill(restarted()[0]!, 'SIGKILL');
    await waitRestarts(2);
    process.kill(restarted()[1]!, 'SIGKILL');
    await waitRestarts(3);
    process.kill(restarted()[2]!, 'SIGKILL');
    const code = await platform.exitCode(15_000).catch((err: Error) => {
      throw new Error(`${err.message}:\n${platform.stdout}${platform.stderr}`);
    });
    assert.equal(code, 1);
    assert.match(platform.stdout + platform.stderr, /nats-server .*giving up: stopping/);
    assert.deepEqual(processesUsing(dataDir), [], 'PostgreSQL is stopped as well');
  });

  it('should not echo a secret it refuses', async () => {
    const secret = 'short-but-secret-value';
    const p = AppProcess.start('platform', {
      DATA_DIR: await privateDataDir(),
      JWT_SECRET: secret,
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
    });
    assert.equal(await p.exitCode(), 1);
    assert.match(p.stderr, /JWT_SECRET: must be at least 32 characters/);
    assert.doesNotMatch(p.stderr + p.stdout, new RegExp(secret));
  });
});

async function checkOnce(port: number, url: string): Promise<CheckResult> {
  const api = new ApiClient(`http://127.0.0.1:${port}`);
  const user = await api.newUser('exposure');
  const created = await api.post<{ id: string }>(
    '/api/v1/monitors',
    { name: 'Private', url },
    user.accessToken,
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const res = await api.post<CheckResult>(
    `/api/v1/monitors/${created.body.id}/check`,
    undefined,
    user.accessToken,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

function account(name: string): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/** The nats-server and PostgreSQL pids the platform recorded under DATA_DIR. */
async function serverPids(dataDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const file of [NATS_PID_FILE, POSTGRES_PID_FILE]) {
    const pid = Number((await readFile(join(dataDir, file), 'utf8').catch(() => '')).trim());
    if (pid > 1) pids.push(pid);
  }
  return pids;
}

/** Pids whose command line names DATA_DIR or its cluster (a nats-server, a postmaster). */
function processesUsing(dataDir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (args.includes(dataDir) || clusterOf(dataDir).some((c) => args.includes(c)))
        found.push(Number(entry));
    } catch {
      // Ended meanwhile.
    }
  }
  return found;
}

function clusterOf(dataDir: string): string[] {
  try {
    const id = readFileSync(join(dataDir, 'postgres-cluster-id'), 'utf8').trim();
    return id ? [id] : [];
  } catch {
    return [];
  }
}

/** Paths under `root` that someone other than their owner could read, enter or change. */
async function notOwnerOnly(root: string): Promise<string[]> {
  const open: string[] = [];
  const walk = async (path: string) => {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return;
    const mode = info.mode & 0o777;
    if (info.isDirectory() ? mode !== 0o700 : (mode & 0o077) !== 0)
      open.push(`${path} ${mode.toString(8)}`);
    if (info.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  await walk(root);
  return open;
}
