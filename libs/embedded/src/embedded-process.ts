import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';

export interface ProcessSpec {
  /** Shown in logs and errors: `nats-server`, `PostgreSQL`. */
  name: string;
  binary: string;
  args: string[];
  /** An argument that tells this instance from any other run of the same binary (its data folder). */
  marker: string;
  /** A folder its account can enter (as root, the postgres user cannot enter ours). */
  cwd?: string;
  /** Our record of the running pid, under DATA_DIR, so a start after a crash can end it. */
  pidFile: string;
  /** Its stdout and stderr; read back when it fails to start. */
  logFile: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  /** The signal that makes it shut down cleanly (PostgreSQL: SIGINT, a fast shutdown). */
  stopSignal: NodeJS.Signals;
  /** Resolves true once it serves. */
  ready: () => Promise<boolean>;
  readyTimeoutMs: number;
}

/**
 * Where an embedded server's lines go; `warn` marks what an operator must see also with
 * LOG_LEVEL=warn (a server that died or stopped working, and its restart).
 */
export type EmbeddedLog = (line: string, level?: 'warn') => void;

export interface Supervision {
  log: EmbeddedLog;
  /** Called once when it died and could not be restarted: the platform must stop. */
  onFailure?: (reason: string) => void;
}

const RESTARTS_PER_MINUTE = 3;
const STOP_TIMEOUT_MS = 5_000;

/**
 * A server the platform runs beside itself. It gets its own process group (`detached`), so a
 * terminal's Ctrl-C, which signals the whole foreground group, reaches only the platform: the
 * platform drains its apps first and then stops this server. Its pid is kept in a file so the
 * next start can end it if the platform was killed; if it dies while running it is restarted,
 * a few times a minute at most, and otherwise the platform is told to stop.
 */
export class EmbeddedProcess {
  private child?: ChildProcess;
  private stopping = false;
  private restarts: number[] = [];
  /** The child `restart` ends on purpose: its exit is not a crash. */
  private replaced?: ChildProcess;

  private constructor(
    private readonly spec: ProcessSpec,
    private readonly supervision: Supervision,
  ) {}

  static async start(spec: ProcessSpec, supervision: Supervision): Promise<EmbeddedProcess> {
    const embedded = new EmbeddedProcess(spec, supervision);
    await embedded.launch('w');
    return embedded;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Ends the running server (cleanly, or by SIGKILL once `timeoutMs` has passed: one that hangs
   * may not stop) and starts it again on the same data, for a server that runs but no longer
   * works (JetStream stuck after a storage write error). Not counted as a crash.
   */
  async restart(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    if (this.stopping) return;
    const old = this.child;
    this.replaced = old;
    if (old) await endChild(old, this.spec.stopSignal, timeoutMs);
    if (this.stopping) return;
    await this.launch('a');
  }

  /** Ends it cleanly, or by SIGKILL once `timeoutMs` has passed. */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child) await endChild(child, this.spec.stopSignal, timeoutMs);
    await rm(this.spec.pidFile, { force: true });
  }

  private async launch(logFlags: 'w' | 'a'): Promise<void> {
    const { spec } = this;
    const log = openSync(spec.logFile, logFlags, 0o600);
    let child: ChildProcess;
    try {
      child = spawn(spec.binary, spec.args, {
        detached: true,
        cwd: spec.cwd,
        stdio: ['ignore', log, log],
        env: spec.env,
        uid: spec.uid,
        gid: spec.gid,
      });
    } finally {
      closeSync(log);
    }
    this.child = child;
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    if (spawned) throw new Error(`${spec.name} could not be started: ${spawned.message}`);
    let serving = false;
    child.once('exit', (code, signal) => {
      if (serving) void this.exited(child, code, signal);
    });
    // On a full disk the pid cannot be written: the server still starts (the pid file only lets
    // the next start end a server left behind), so a restart to recover from the full disk works.
    await writeFile(spec.pidFile, `${child.pid}\n`, { mode: 0o600 }).catch((err: unknown) =>
      this.supervision.log(
        `${spec.name} (pid ${child.pid}): its pid could not be recorded in ${spec.pidFile}: ${String(err)}`,
        'warn',
      ),
    );
    await this.waitReady(child);
    serving = true;
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    const { spec } = this;
    const deadline = Date.now() + spec.readyTimeoutMs;
    while (!(await spec.ready().catch(() => false))) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        await endChild(child, 'SIGKILL', 2_000);
        await rm(spec.pidFile, { force: true });
        const why =
          child.exitCode !== null || child.signalCode !== null
            ? `it exited (${child.exitCode ?? child.signalCode})`
            : `no answer within ${spec.readyTimeoutMs / 1000} s`;
        throw new Error(`${spec.name} did not start: ${why}. ${logTail(spec.logFile)}`.trim());
      }
      await sleep(100);
    }
  }

  private async exited(
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): Promise<void> {
    if (this.stopping || child !== this.child || child === this.replaced) return;
    const { spec, supervision } = this;
    const how = `${spec.name} (pid ${child.pid}) exited unexpectedly (${code ?? signal})`;
    const now = Date.now();
    this.restarts = this.restarts.filter((at) => now - at < 60_000);
    if (this.restarts.length >= RESTARTS_PER_MINUTE) {
      return supervision.onFailure?.(
        `${how}, after ${RESTARTS_PER_MINUTE} restarts within a minute; giving up`,
      );
    }
    this.restarts.push(now);
    supervision.log(`${how}: restarting it`, 'warn');
    // Give the old processes (PostgreSQL backends) a moment to let go of ports and memory.
    for (let attempt = 1; attempt <= 5 && !this.stopping; attempt++) {
      await sleep(500 * attempt);
      try {
        await this.launch('a');
        supervision.log(`${spec.name} restarted (pid ${this.child?.pid})`, 'warn');
        return;
      } catch (err) {
        if (attempt === 5 && !this.stopping)
          supervision.onFailure?.(`${how} and could not be restarted: ${(err as Error).message}`);
      }
    }
  }
}

/**
 * Ends a server that a previous run of the platform left behind (it was killed before it could
 * stop it), found by the pid in `pidFile` (ours, or PostgreSQL's `postmaster.pid`). Only a live
 * process of that program with that data folder among its arguments is ended: a recycled pid
 * of someone else's process is left alone.
 */
export async function endLeftover(
  pidFile: string,
  binary: string,
  marker: string,
  stopSignal: NodeJS.Signals,
  log: (line: string) => void,
): Promise<void> {
  const pid = await readPid(pidFile);
  if (pid === undefined || !isOurs(pid, binary, marker)) return;
  log(`ending ${basename(binary)} (pid ${pid}) left behind by an earlier run`);
  signal(pid, stopSignal);
  if (!(await gone(pid, STOP_TIMEOUT_MS))) {
    signal(pid, 'SIGKILL');
    await gone(pid, 2_000);
  }
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]?.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/**
 * True when `pid` runs a program named like `binary` with `marker` among its arguments. The
 * name, not the path, so a server started from an older copy of the binaries is found too.
 */
export function isOurs(pid: number, binary: string, marker: string): boolean {
  const args = commandLine(pid);
  return (
    args !== undefined &&
    args.length > 0 &&
    basename(args[0]!) === basename(binary) &&
    args.includes(marker)
  );
}

export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    // No /proc (macOS): ask ps; arguments are then split on spaces, enough for our own paths.
    try {
      const line = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
      return line.trim().split(/\s+/).filter(Boolean);
    } catch {
      return undefined;
    }
  }
}

/** Running: exists and has not exited (an exited process nobody has reaped yet holds nothing). */
export function isRunning(pid: number): boolean {
  return alive(pid) && !isZombie(pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

function isZombie(pid: number): boolean {
  try {
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ''));
  } catch {
    return false;
  }
}

async function endChild(
  child: ChildProcess,
  stopSignal: NodeJS.Signals,
  timeoutMs: number,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(stopSignal);
  const inTime = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
  if (inTime) return;
  child.kill('SIGKILL');
  await Promise.race([exited, sleep(1_000)]);
}

function logTail(file: string): string {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text ? `Its last output (${file}):\n${text.split('\n').slice(-15).join('\n')}` : '';
  } catch {
    return '';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
