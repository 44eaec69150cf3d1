import { spawnSync } from 'node:child_process';
import { rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChaosNats, ChaosPostgres } from './harness/infra';
import type { ChaosPlatform } from './harness/platform';

export interface FaultContext {
  platform: ChaosPlatform;
  nats?: ChaosNats;
  postgres?: ChaosPostgres;
  /** The tmpfs DATA_DIR of the single-process start. */
  disk?: string;
  /** What inject found out and heal needs (the killed scheduler's name). */
  state: Map<string, string>;
}

/** One fault, injected once under steady load. */
export interface Fault {
  name: string;
  description: string;
  mode: 'per-app' | 'single';
  /** How long the fault lasts before heal. */
  faultSeconds: number;
  /** When the alert monitors' target starts failing, in seconds from the fault's start. */
  targetDownAt: number;
  inject(ctx: FaultContext): Promise<void>;
  heal(ctx: FaultContext): Promise<void>;
}

const killAndRestart = (name: string, seconds: number, description: string): Fault => ({
  name: `${name}-kill`,
  description,
  mode: 'per-app',
  faultSeconds: seconds,
  targetDownAt: -10,
  inject: (ctx) => ctx.platform.kill(name, 'SIGKILL'),
  heal: (ctx) => ctx.platform.restart(name),
});

export const FAULTS: Fault[] = [
  {
    name: 'nats-kill',
    description: 'nats-server SIGKILLed, started again on the same store after 20 s',
    mode: 'per-app',
    faultSeconds: 20,
    targetDownAt: -10,
    inject: (ctx) => ctx.nats!.kill('SIGKILL'),
    heal: (ctx) => ctx.nats!.restart(),
  },
  {
    name: 'postgres-stop',
    description: 'PostgreSQL stopped (fast shutdown) for 30 s; alert targets fail meanwhile',
    mode: 'per-app',
    faultSeconds: 30,
    targetDownAt: 5,
    inject: async (ctx) => ctx.postgres!.stop('fast'),
    heal: async (ctx) => ctx.postgres!.begin(),
  },
  killAndRestart('metrics', 60, 'the metrics app SIGKILLed and down for 60 s'),
  {
    ...killAndRestart('notifier', 15, ''),
    description: 'the notifier SIGKILLed 3 s after the alert targets fail, back after 15 s',
    targetDownAt: -3,
  },
  {
    ...killAndRestart('prober-1', 20, ''),
    name: 'prober-kill',
    description: 'one of two probers SIGKILLed with checks in flight (targets answer in 300 ms)',
  },
  {
    name: 'scheduler-kill',
    description: 'a scheduler holding partitions SIGKILLed; the other takes them over',
    mode: 'per-app',
    faultSeconds: 20,
    targetDownAt: -10,
    inject: async (ctx) => {
      const owner = await ctx.platform.partitionOwner();
      if (!owner) throw new Error('no scheduler reports partitions owned');
      ctx.state.set('owner', owner);
      await ctx.platform.kill(owner, 'SIGKILL');
    },
    heal: (ctx) => ctx.platform.restart(ctx.state.get('owner')!),
  },
  {
    name: 'disk-full',
    description:
      'npm start (embedded PostgreSQL, chDB, nats-server) with DATA_DIR on a tmpfs filled to 0 bytes free for 30 s',
    mode: 'single',
    faultSeconds: 30,
    targetDownAt: 5,
    inject: async (ctx) => fillDisk(ctx),
    heal: async (ctx) => {
      for (let i = 0; i < Number(ctx.state.get('fills') ?? 0); i++)
        rmSync(join(ctx.disk!, `fill-${i}`), { force: true });
    },
  },
];

/**
 * Fills the tmpfs to 0 bytes free. One fallocate of all the free space can fail with ENOSPC
 * (the platform writes meanwhile), so it allocates what is free in files of halving size
 * until less than a block is left.
 */
function fillDisk(ctx: FaultContext): void {
  let fills = 0;
  for (;;) {
    const { bavail, bsize } = statfsSync(ctx.disk!);
    let bytes = bavail * bsize;
    while (bytes >= bsize) {
      const r = spawnSync('fallocate', ['-l', String(bytes), join(ctx.disk!, `fill-${fills}`)]);
      if (r.status === 0) break;
      bytes = Math.floor(bytes / 2 / bsize) * bsize;
    }
    ctx.state.set('fills', String(fills + 1));
    if (bytes < bsize) break;
    fills++;
  }
  if (statfsSync(ctx.disk!).bavail > 0) throw new Error('the tmpfs could not be filled');
}
