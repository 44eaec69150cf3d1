import { ensureNats, freePort } from '@uptime/embedded';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/test-database';
import { started } from './cleanup';
import { pidsNamed } from './process-usage';

/**
 * What a bench run stands on, all its own: a nats-server with JetStream on a free port and a
 * temporary store (so no stream of another run or of the tests is in the way), a fresh database
 * on the machine's PostgreSQL, and a data folder. `stop` removes all of it; so does the run's
 * clean-up (`cleanup.ts`) when a scenario fails or the run is interrupted before it stops.
 */
export class BenchInfra {
  private constructor(
    readonly natsUrl: string,
    readonly natsPid: number | undefined,
    readonly db: TestDatabase,
    readonly dataDir: string,
    private readonly remove: () => Promise<void>,
  ) {}

  static async start(): Promise<BenchInfra> {
    const dataDir = await mkdtemp(join(tmpdir(), 'uptime-bench-'));
    const removeDir = started(`bench folder ${dataDir}`, () =>
      rm(dataDir, { recursive: true, force: true }),
    );
    const port = await freePort();
    const nats = await ensureNats(`nats://127.0.0.1:${port}`, dataDir, () => undefined);
    const stopNats = started(`nats-server on port ${port}`, () => nats.stop());
    const db = await createTestDatabase();
    const dropDb = started('bench database', () => db.drop());
    const remove = async () => {
      await stopNats.stop().catch(() => undefined);
      await dropDb.stop().catch(() => undefined);
      await removeDir.stop();
    };
    return new BenchInfra(nats.url, natsPidOn(port), db, dataDir, remove);
  }

  async stop(): Promise<void> {
    await this.remove();
  }
}

function natsPidOn(port: number): number | undefined {
  return pidsNamed('nats-server').find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(String(port));
    } catch {
      return false;
    }
  });
}
