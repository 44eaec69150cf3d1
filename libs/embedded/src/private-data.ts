import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * DATA_DIR holds secrets (JWT key, database password) and every user's monitors and results:
 * it and everything under it is its owner's alone, 0700 folders and 0600 files. Creates it,
 * and tightens what an earlier version or another tool left more open. What the platform
 * creates afterwards is kept private by its umask (see the platform's main).
 */
export async function keepPrivate(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await tighten(dataDir);
}

async function tighten(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  // A folder PostgreSQL owns (root's cluster of an earlier version) is PostgreSQL's to keep.
  if (process.getuid && info.uid !== process.getuid() && process.getuid() !== 0) return;
  const mode = info.mode & 0o7777;
  const wanted = info.isDirectory() ? 0o700 : mode & 0o700;
  if (mode !== wanted) await chmod(path, wanted);
  if (!info.isDirectory()) return;
  for (const name of await readdir(path)) await tighten(join(path, name));
}
