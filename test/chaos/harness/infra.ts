import { freePort } from '@uptime/embedded';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../../bench/harness/stats';

/**
 * What the chaos run must undo, also when it fails or is interrupted: synchronous, so it still
 * runs from a signal handler just before the process exits.
 */
const cleanups: (() => void)[] = [];

export function onCleanup(fn: () => void): void {
  cleanups.unshift(fn);
}

export function cleanUpEverything(): void {
  while (cleanups.length) {
    try {
      cleanups.shift()!();
    } catch {
      // best effort: the next one must still run
    }
  }
}

/**
 * A nats-server with JetStream of the chaos run only: on its own port and store, so it can be
 * SIGKILLed and started again on the same store without touching anyone else's server.
 */
export class ChaosNats {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly storeDir: string,
  ) {}

  static async start(dir: string): Promise<ChaosNats> {
    const nats = new ChaosNats(await freePort(), join(dir, 'nats'));
    onCleanup(() => nats.child?.kill('SIGKILL'));
    await nats.restart();
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    this.child = spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir],
      { stdio: 'ignore' },
    );
    await waitForPort(this.port, 30_000);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

/**
 * A PostgreSQL cluster of the run only (initdb into a temporary folder, on a free port), so it
 * can be stopped without touching the machine's server. initdb refuses root: it runs as the
 * `postgres` system user.
 */
export class ChaosPostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
  ) {}

  static async start(root: string): Promise<ChaosPostgres> {
    const version = readdirSync('/usr/lib/postgresql').sort().at(-1);
    if (!version) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
    const dir = join(root, 'postgres');
    // The postgres user must reach its folder through the run's (private) one.
    chmodSync(root, 0o711);
    mkdirSync(dir);
    const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(owner.stdout), Number(group.stdout));
    const pg = new ChaosPostgres(await freePort(), dir, `/usr/lib/postgresql/${version}/bin`);
    pg.run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    onCleanup(() => pg.stop('immediate'));
    pg.begin();
    pg.run('createdb', ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', 'uptime']);
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/uptime`;
  }

  begin(): void {
    this.run('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
      'start',
    ]);
  }

  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    if (!existsSync(join(this.dir, 'data', 'postmaster.pid'))) return;
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
  }

  private run(tool: string, args: string[]): void {
    const r = spawnSync('runuser', ['-u', 'postgres', '--', join(this.bin, tool), ...args], {
      encoding: 'utf8',
      cwd: this.dir,
    });
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr || r.stdout}`);
  }
}

/** A temporary folder removed at clean-up. */
export function chaosDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A tmpfs of `mib` MiB mounted on a new folder (root only); unmounted at clean-up. */
export function smallDisk(mib: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'uptime-chaos-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`cannot mount a tmpfs (root needed): ${r.stderr}`);
  onCleanup(() => {
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
}
