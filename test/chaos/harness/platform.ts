import { freePort } from '@uptime/embedded';
import { randomBytes } from 'node:crypto';
import { AppProcess } from '../../support/app-process';

/** Process name → app: two probers and two schedulers (partitions shared), one of the others. */
const PER_APP: [string, string][] = [
  ['monitor-registry', 'monitor-registry'],
  ['metrics', 'metrics'],
  ['notifier', 'notifier'],
  ['prober-1', 'prober'],
  ['prober-2', 'prober'],
  ['scheduler-1', 'scheduler'],
  ['scheduler-2', 'scheduler'],
  ['gateway', 'gateway'],
];

/**
 * The platform under faults: one OS process per app (or `npm start`'s single process), each
 * of which can be killed and started again with the same port and environment.
 */
export class ChaosPlatform {
  private readonly processes = new Map<string, AppProcess>();
  private readonly ports = new Map<string, number>();
  private readonly apps = new Map<string, string>();

  private constructor(private readonly env: Record<string, string>) {}

  static async start(
    mode: 'per-app' | 'single',
    env: Record<string, string>,
  ): Promise<ChaosPlatform> {
    const platform = new ChaosPlatform({
      JWT_SECRET: randomBytes(32).toString('hex'),
      PROBE_ALLOW_PRIVATE: 'true',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      ACCESS_TOKEN_TTL_SECONDS: '86400',
      // One user owns every monitor of the load (1,000 + the alerting ones passes the default).
      MAX_MONITORS_PER_USER: '1000000',
      REGIONS: 'local',
      LOG_LEVEL: 'warn',
      ...env,
    });
    const layout: [string, string][] = mode === 'single' ? [['platform', 'platform']] : PER_APP;
    for (const [name, app] of layout) {
      platform.apps.set(name, app);
      platform.ports.set(name, await freePort());
      await platform.restart(name, 180_000);
    }
    return platform;
  }

  get names(): string[] {
    return [...this.apps.keys()];
  }

  url(name: string): string {
    return `http://127.0.0.1:${this.ports.get(name)}`;
  }

  get gatewayUrl(): string {
    return this.url(this.apps.has('gateway') ? 'gateway' : 'platform');
  }

  /** Starts (again) the named process and waits until it is ready. */
  async restart(name: string, timeoutMs = 120_000): Promise<void> {
    const p = AppProcess.start(this.apps.get(name)!, {
      ...this.env,
      PORT: String(this.ports.get(name)),
    });
    this.processes.set(name, p);
    await p.waitReady(this.url(name), timeoutMs);
  }

  /** Starts it again without waiting for readiness (when what it needs is still down). */
  relaunch(name: string): void {
    const p = AppProcess.start(this.apps.get(name)!, {
      ...this.env,
      PORT: String(this.ports.get(name)),
    });
    this.processes.set(name, p);
  }

  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.processes.get(name)?.stop(signal, 60_000);
  }

  /** A scheduler process holding partitions, by its `uptime_scheduler_partitions_owned` gauge. */
  async partitionOwner(): Promise<string | undefined> {
    for (const name of this.names.filter((n) => n.startsWith('scheduler'))) {
      const text = await fetch(`${this.url(name)}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      const owned = /^uptime_scheduler_partitions_owned(?:\{[^}]*\})? (\d+)$/m.exec(text);
      if (owned && Number(owned[1]) > 0) return name;
    }
    return undefined;
  }

  /** Every process that is running answers 200 on /health/ready. */
  async allReady(): Promise<boolean> {
    for (const name of this.names) {
      const status = await fetch(`${this.url(name)}/health/ready`, {
        signal: AbortSignal.timeout(3000),
      })
        .then((r) => r.status)
        .catch(() => 0);
      if (status !== 200) return false;
    }
    return true;
  }

  output(name: string): string {
    const p = this.processes.get(name);
    return p ? p.stdout + p.stderr : '';
  }

  async stop(): Promise<void> {
    for (const [, p] of [...this.processes].reverse())
      await p.stop('SIGTERM', 60_000).catch(() => p.stop('SIGKILL').catch(() => undefined));
  }
}
