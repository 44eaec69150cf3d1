import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@uptime/embedded';
import { started, type Started } from './cleanup';

/** Loopback addresses 127.1.x.y: any 127/8 address routes to `lo` on Linux without setup. */
export function loopbackAddress(i: number): string {
  return `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

/**
 * Target HTTP servers in child processes, spread over `addresses` loopback addresses split
 * between `processes` children, all on one port.
 */
export class TargetFleet {
  private constructor(
    private readonly children: ChildProcess[],
    readonly addresses: string[],
    readonly port: number,
  ) {
    this.registered = started('target fleet', () => this.stopChildren());
  }

  private readonly registered: Started;

  static async start(options: { addresses: number; processes: number }): Promise<TargetFleet> {
    const port = await freePort();
    const addresses = Array.from({ length: options.addresses }, (_, i) => loopbackAddress(i));
    const script = join(__dirname, 'target-fleet-process.js');
    const children: ChildProcess[] = [];
    // Until the fleet exists, the children started so far are the clean-up's to end.
    const starting = started('target fleet (starting)', async () => {
      for (const child of children) child.kill('SIGKILL');
    });
    for (let p = 0; p < options.processes; p++) {
      const mine = addresses.filter((_, i) => i % options.processes === p);
      const child = fork(script, [String(port), ...mine], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`target fleet exited ${code}`)));
      });
    }
    starting.release();
    return new TargetFleet(children, addresses, port);
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid!);
  }

  /** The URL of target `i`, cycling over the addresses. */
  url(i: number, path = `/t/${i}`): string {
    return `http://${this.addresses[i % this.addresses.length]}:${this.port}${path}`;
  }

  async hits(): Promise<number> {
    const counts = await Promise.all(
      this.children.map(
        (child) =>
          new Promise<number>((resolve) => {
            child.once('message', (m: { hits: number }) => resolve(m.hits));
            child.send('count');
          }),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  async stop(): Promise<void> {
    await this.registered.stop();
  }

  private async stopChildren(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
