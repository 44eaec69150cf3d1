import { freePort, removeDataDir } from '@uptime/embedded';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { processTree, readStat } from './process-tree';
import { sleep } from './stats';

/** dist/ of this build: where `npm start` runs `apps/platform/src/main.js` from. */
const THIS_DIST = join(__dirname, '..', '..', '..');

/** Every embedded platform this bench started and has not stopped yet. */
const running = new Set<EmbeddedPlatform>();
let signalsHandled = false;

/**
 * Ctrl-C or a SIGTERM to the bench stops what it started first: the platform drains and stops
 * the nats-server and PostgreSQL it runs; whatever is left of its tree is killed.
 */
function stopAllOnSignal(): void {
  if (signalsHandled) return;
  signalsHandled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`${signal}: stopping the embedded platform(s)\n`);
      void Promise.all([...running].map((p) => p.stop())).finally(() =>
        process.exit(signal === 'SIGINT' ? 130 : 143),
      );
    });
  }
  process.once('exit', () => {
    for (const p of running) p.killTree();
  });
}

/**
 * `npm start` as shipped: `node dist/apps/platform/src/main.js` with nothing but a data folder,
 * a port and the bench's quotas — so it runs its own embedded PostgreSQL, chDB and nats-server
 * (NATS_URL points at a free port where nothing answers, so it starts one there).
 */
export class EmbeddedPlatform {
  stderr = '';
  /** PID to start time of every process of the tree seen. */
  private known = new Map<number, number>();

  private constructor(
    readonly url: string,
    readonly dataDir: string,
    private readonly child: ChildProcess,
    private readonly keepDataDir: boolean,
    private readonly inspectPort?: number,
  ) {
    child.stderr?.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-20_000);
    });
    child.stdout?.on('data', () => undefined);
  }

  static async start(options: {
    /** dist/ folder of the build to run; this build's by default. */
    dist?: string;
    env?: Record<string, string>;
    nodeArgs?: string[];
    keepDataDir?: boolean;
    /** Where its nats-server listens; a free port by default. */
    natsPort?: number;
    /** Opens the node process's inspector there (for {@link profileWindow}). */
    inspectPort?: number;
  }): Promise<EmbeddedPlatform> {
    stopAllOnSignal();
    const dataDir = await mkdtemp(join(tmpdir(), 'uptime-embedded-'));
    const port = await freePort();
    const natsPort = options.natsPort ?? (await freePort());
    const main = join(resolve(options.dist ?? THIS_DIST), 'apps', 'platform', 'src', 'main.js');
    const inspect = options.inspectPort ? [`--inspect=127.0.0.1:${options.inspectPort}`] : [];
    const child = spawn(process.execPath, [...inspect, ...(options.nodeArgs ?? []), main], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATA_DIR: dataDir,
        PORT: String(port),
        NATS_URL: `nats://127.0.0.1:${natsPort}`,
        JWT_SECRET: randomBytes(32).toString('hex'),
        PROBE_ALLOW_PRIVATE: 'true',
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
        ACCESS_TOKEN_TTL_SECONDS: '86400',
        // Up to 150,000 monitors for one user, far past the default quota.
        MAX_MONITORS_PER_USER: '1000000',
        LOG_LEVEL: 'warn',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const platform = new EmbeddedPlatform(
      `http://127.0.0.1:${port}`,
      dataDir,
      child,
      options.keepDataDir ?? false,
      options.inspectPort,
    );
    running.add(platform);
    try {
      await platform.waitReady(180_000);
    } catch (err) {
      await platform.stop();
      throw err;
    }
    platform.remember();
    return platform;
  }

  /**
   * A CPU profile of the node process over the next `seconds` (through its inspector), written
   * to `file`; resolves to the file, or to why there is none.
   */
  profileWindow(seconds: number, file: string): Promise<string> {
    if (!this.inspectPort) return Promise.resolve('no inspector port');
    const helper = join(__dirname, 'window-profile-process.js');
    const child = spawn(
      process.execPath,
      ['--experimental-websocket', helper, String(this.inspectPort), String(seconds), file],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve) =>
      child.once('exit', (code) => resolve(code === 0 ? file : `failed: ${stderr.trim()}`)),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive)
        throw new Error(`the platform exited ${this.child.exitCode}: ${this.stderr.slice(-2000)}`);
      this.remember();
      const ok = await fetch(`${this.url}/health/ready`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      await sleep(250);
    }
    throw new Error(`the platform was not ready within ${timeoutMs} ms`);
  }

  /** Notes the PIDs of the tree, so servers that outlive a killed platform can be found. */
  private remember(): void {
    if (!this.alive) return;
    for (const p of processTree(this.pid)) this.known.set(p.pid, p.startTicks);
  }

  /** SIGKILL to every process of the tree seen so far (last resort). */
  killTree(): void {
    this.remember();
    for (const [pid, startTicks] of this.known) {
      // Only the very process seen (a pid may have been reused since).
      if (readStat(pid)?.startTicks !== startTicks) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** SIGTERM (the platform drains and stops its servers), SIGKILL after 60 s; removes the data. */
  async stop(): Promise<void> {
    if (!running.has(this)) return;
    running.delete(this);
    this.remember();
    if (this.alive) {
      const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
      this.child.kill('SIGTERM');
      const inTime = await Promise.race([exited.then(() => true), sleep(60_000).then(() => false)]);
      if (!inTime) process.stderr.write('the platform did not stop within 60 s: killing it\n');
    }
    // Whatever is left (a server of a killed platform) goes too, then its data.
    await sleep(500);
    this.killTree();
    // With the PostgreSQL cluster the platform keeps outside it when run as root.
    if (!this.keepDataDir) await removeDataDir(this.dataDir);
  }
}
