import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isRunning, commandLine } from './embedded-process';

/** Under DATA_DIR: the pid of the platform that runs on it. */
export const PLATFORM_PID_FILE = 'platform.pid';

/**
 * One platform per DATA_DIR. A second one would take the first's servers for leftovers and end
 * them; it is refused instead. A record whose platform is gone (killed) is taken over, and the
 * servers it left behind are then ended by their own pid files.
 */
export async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, PLATFORM_PID_FILE);
  const recorded = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(recorded) && recorded > 1 && recorded !== process.pid) {
    const args = commandLine(recorded);
    if (isRunning(recorded) && args && basename(args[0] ?? '') === basename(process.execPath)) {
      throw new Error(
        `another platform (pid ${recorded}) is running on DATA_DIR=${dataDir}: stop it first, or give this one its own DATA_DIR`,
      );
    }
  }
  await writeFile(file, `${process.pid}\n`, { mode: 0o600 });
  return async () => {
    const current = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (current === String(process.pid)) await rm(file, { force: true });
  };
}
