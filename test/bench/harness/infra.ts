import { ensureNats, freePort } from '@uptime/embedded';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/test-database';
import { pidsNamed } from './process-usage';

/**
 * What a bench run stands on, all its own: a nats-server with JetStream on a free port and a
 * temporary store (so no stream of another run or of the tests is in the way), a fresh database
 * on the machine's PostgreSQL, and a data folder. `stop` removes all of it.
 */
export class BenchInfra {
  private constructor(
    readonly natsUrl: string,
    readonly natsPid: number | undefined,
    readonly db: TestDatabase,
    readonly dataDir: string,
    private readonly stopNats: () => Promise<void>,
  ) {}

  static async start(): Promise<BenchInfra> {
    const dataDir = await mkdtemp(join(tmpdir(), 'uptime-bench-'));
    const port = await freePort();
    const nats = await ensureNats(`nats://127.0.0.1:${port}`, dataDir, () => undefined);
    const db = await createTestDatabase();
    return new BenchInfra(nats.url, natsPidOn(port), db, dataDir, () => nats.stop());
  }

  async stop(): Promise<void> {
    await this.stopNats().catch(() => undefined);
    await this.db.drop().catch(() => undefined);
    await rm(this.dataDir, { recursive: true, force: true });
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
