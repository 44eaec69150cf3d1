import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { GiveUp, waitFor } from './wait-for';

const DIST = join(__dirname, '..', '..');

/** Every app process a test file started and that has not exited yet. */
const running = new Set<ChildProcess>();
let endsWithThisProcess = false;

/** Set by a caller (the bench) that ends its app processes itself on SIGINT and SIGTERM. */
let signalsLeftToCaller = false;

/**
 * For a program that handles SIGINT and SIGTERM itself and stops its apps before it exits (the
 * bench, which also removes its NATS, database and folders then): the handlers below would
 * exit as soon as the apps are gone, cutting that clean-up short. Apps still running when the
 * process exits are killed all the same.
 */
export function leaveSignalsToCaller(): void {
  signalsLeftToCaller = true;
}

/** How long a file that is being ended gives its apps to stop their own servers. */
const STOP_GRACE_MS = 5_000;

/**
 * The runner ends a test file that overruns its time limit with SIGTERM, and `after` hooks do
 * not run then: without this, the file's apps would live on, hold the scheduler lease and check
 * the monitors of the files that run after it. So a file that is ended takes its apps along:
 * SIGTERM first, so a platform stops the nats-server and PostgreSQL it started, then SIGKILL.
 */
function endChildrenWithThisProcess(): void {
  if (endsWithThisProcess) return;
  endsWithThisProcess = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  if (signalsLeftToCaller) return;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      const code = 128 + (signal === 'SIGTERM' ? 15 : 2);
      for (const child of running) child.kill('SIGTERM');
      const giveUp = setTimeout(() => process.exit(code), STOP_GRACE_MS);
      const stopped = setInterval(() => {
        if (running.size > 0) return;
        clearTimeout(giveUp);
        clearInterval(stopped);
        process.exit(code);
      }, 50);
    });
  }
}

/** One app (or the whole platform) as its own OS process, the way an operator runs it. */
export class AppProcess {
  stdout = '';
  stderr = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (c: Buffer) => (this.stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /**
   * `app` is `platform` or an app folder name; env is added to a minimal environment; nodeArgs
   * go to node itself (`--cpu-prof`). `detached` gives it its own process group, as a shell
   * does for a foreground command, so a test can signal the group the way Ctrl-C does; `uid`
   * and `gid` run it as another user (the test runs as root); `dist` runs another build (the
   * bench compares builds), this one's by default.
   */
  static start(
    app: string,
    env: Record<string, string>,
    nodeArgs: string[] = [],
    {
      detached = false,
      uid,
      gid,
      dist = DIST,
    }: { detached?: boolean; uid?: number; gid?: number; dist?: string } = {},
  ): AppProcess {
    const child = spawn(
      process.execPath,
      [...nodeArgs, join(dist, 'apps', app, 'src', 'main.js')],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          LOG_LEVEL: 'info',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached,
        uid,
        gid,
      },
    );
    endChildrenWithThisProcess();
    running.add(child);
    child.once('exit', () => running.delete(child));
    return new AppProcess(app, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Still running: not exited, not ended by a signal. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitReady(baseUrl: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `${this.name} ready at ${baseUrl}`,
      async () => {
        if (this.child.exitCode !== null)
          throw new GiveUp(`${this.name} exited ${this.child.exitCode}: ${this.stderr}`);
        const res = await fetch(`${baseUrl}/health/ready`);
        return res.status === 200;
      },
      timeoutMs,
      200,
    );
  }

  /** Exit code after the process ends by itself. */
  exitCode(timeoutMs = 30_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([this.exited, deadline]).finally(() => clearTimeout(timer));
  }

  /** Sends the signal to its whole process group (it must be `detached`), as Ctrl-C does. */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.child.pid!, signal);
  }

  /** Sends the signal to this process only (by its PID) and waits for its exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    try {
      return await this.exitCode(timeoutMs);
    } catch (err) {
      this.child.kill('SIGKILL');
      throw err;
    }
  }
}
