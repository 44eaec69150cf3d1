import { freePort } from '@uptime/embedded';
import { randomBytes } from 'node:crypto';
import { AppProcess } from '../../support/app-process';
import { started, type Started } from './cleanup';
import type { BenchInfra } from './infra';

export type PlatformMode = 'single' | 'per-app';

const APPS = ['monitor-registry', 'metrics', 'notifier', 'prober', 'scheduler', 'gateway'] as const;

/**
 * The platform as an operator runs it: `npm start`'s single process, or one OS process per
 * app, on the bench's own NATS, PostgreSQL database and data folder.
 */
export class PlatformProcesses {
  private constructor(
    readonly mode: PlatformMode,
    readonly gatewayUrl: string,
    private readonly processes: Map<string, AppProcess>,
    /** App name (or `platform`) to its base URL (health, /metrics). */
    readonly urls: Map<string, string>,
    private readonly registered: Started[],
  ) {}

  /** `dist` runs another build's apps (a comparison), `nodeArgs` go to node (`--cpu-prof`). */
  static async start(
    mode: PlatformMode,
    infra: BenchInfra,
    env: Record<string, string> = {},
    {
      dist,
      nodeArgs = [],
    }: {
      /** Another build's `dist` folder, to compare builds in one run. */
      dist?: string;
      /** Node options for every app, or per app (or `platform`), e.g. `--cpu-prof`. */
      nodeArgs?: string[] | ((app: string) => string[]);
    } = {},
  ): Promise<PlatformProcesses> {
    const common = {
      NATS_URL: infra.natsUrl,
      DATABASE_URL: infra.db.url,
      DATA_DIR: infra.dataDir,
      JWT_SECRET: randomBytes(32).toString('hex'),
      PROBE_ALLOW_PRIVATE: 'true',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      // The scenarios create up to 150,000 monitors for one user, far past the default quota.
      MAX_MONITORS_PER_USER: '1000000',
      // A ladder run keeps half an hour of results at up to 2,500 checks/s: room for all of it,
      // so a full stream never shows up as lost checks.
      CHECK_RESULTS_MAX_MB: '16384',
      LOG_LEVEL: 'warn',
      ...env,
    };
    const processes = new Map<string, AppProcess>();
    const urls = new Map<string, string>();
    const registered: Started[] = [];
    // Registered as soon as it runs, so a failed start or an interrupted run still ends it.
    const launch = (app: string, port: number) => {
      const args = typeof nodeArgs === 'function' ? nodeArgs(app) : nodeArgs;
      const p = AppProcess.start(app, { ...common, PORT: String(port) }, args, { dist });
      processes.set(app, p);
      registered.push(started(`${app} (pid ${p.pid})`, () => stopApp(p)));
      return p;
    };
    try {
      if (mode === 'single') {
        const port = await freePort();
        await launch('platform', port).waitReady(`http://127.0.0.1:${port}`, 120_000);
        urls.set('platform', `http://127.0.0.1:${port}`);
        return new PlatformProcesses(mode, `http://127.0.0.1:${port}`, processes, urls, registered);
      }
      let gatewayUrl = '';
      for (const app of APPS) {
        const port = await freePort();
        await launch(app, port).waitReady(`http://127.0.0.1:${port}`, 120_000);
        urls.set(app, `http://127.0.0.1:${port}`);
        if (app === 'gateway') gatewayUrl = `http://127.0.0.1:${port}`;
      }
      return new PlatformProcesses(mode, gatewayUrl, processes, urls, registered);
    } catch (err) {
      for (const r of registered.reverse()) await r.stop().catch(() => undefined);
      throw err;
    }
  }

  /** Where an app's Prometheus metrics are: its own port, or the single process's. */
  metricsUrl(app: string): string {
    return `${this.urls.get(app) ?? this.urls.get('platform')}/metrics`;
  }

  /** App name (or `platform`) to PID. */
  get pids(): Map<string, number> {
    return new Map([...this.processes].map(([name, p]) => [name, p.pid!]));
  }

  process(name: string): AppProcess | undefined {
    return this.processes.get(name);
  }

  /** Stops in reverse start order with SIGTERM (drains), SIGKILL if one hangs. */
  async stop(): Promise<void> {
    for (const r of [...this.registered].reverse()) await r.stop();
  }
}

async function stopApp(p: AppProcess): Promise<void> {
  await p.stop('SIGTERM', 60_000).catch(() => p.stop('SIGKILL').catch(() => undefined));
}
