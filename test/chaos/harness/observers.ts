import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from './infra';

/**
 * The monitored targets, on loopback: `/steady/<i>` answers 200 after `delayMs` (so checks are
 * in flight when a prober dies); `/alert/<i>` answers 200, or 503 while `down` is set.
 */
export class ChaosTargets {
  down = false;

  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async start(delayMs: number): Promise<ChaosTargets> {
    const holder: { targets?: ChaosTargets } = {};
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/alert/')) {
        res.writeHead(holder.targets?.down ? 503 : 200).end();
        return;
      }
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(() => server.close());
    holder.targets = new ChaosTargets(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    );
    return holder.targets;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export type Phase = 'before' | 'fault' | 'after';

/**
 * What a user saw: one request a second to a registry-backed route (the monitor list) and to a
 * metrics-backed route (a monitor's checks), their status codes counted per phase.
 */
export class ApiSampler {
  phase: Phase = 'before';
  readonly counts: Record<Phase, Map<string, number>> = {
    before: new Map(),
    fault: new Map(),
    after: new Map(),
  };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly gatewayUrl: string,
    private readonly token: string,
    private readonly monitorId: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** `200×40, 503×3` per phase. */
  summary(phase: Phase): string {
    return [...this.counts[phase]]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]) => `${status}×${n}`)
      .join(', ');
  }

  private async sample(): Promise<void> {
    const phase = this.phase;
    for (const path of [
      '/api/v1/monitors?limit=1',
      `/api/v1/monitors/${this.monitorId}/checks?limit=1`,
    ]) {
      const status = await fetch(`${this.gatewayUrl}${path}`, {
        headers: { authorization: `Bearer ${this.token}` },
        signal: AbortSignal.timeout(5000),
      })
        .then((r) => String(r.status))
        .catch((err: Error) => (err.name === 'TimeoutError' ? 'timeout' : 'refused'));
      const counts = this.counts[phase];
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
  }
}
