import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What every webhook alert carries; tests read more of it through their own payload type. */
export interface AlertPayload {
  alert: { kind: string };
  monitor: { id: string };
}

/** A webhook channel's receiver on loopback: it keeps every alert it is sent, in order. */
export class AlertReceiver<P extends AlertPayload = AlertPayload> {
  readonly alerts: P[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start<P extends AlertPayload = AlertPayload>(): Promise<AlertReceiver<P>> {
    // Set once listening, before any alert can arrive.
    const holder: { receiver?: AlertReceiver<P> } = {};
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        holder.receiver?.alerts.push(JSON.parse(body) as P);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.receiver = new AlertReceiver<P>(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    );
    return holder.receiver;
  }

  /** The monitor's alerts (of one kind, when named), in the order they came. */
  of(monitorId: string, kind?: string): P[] {
    return this.alerts.filter(
      (a) => a.monitor.id === monitorId && (kind === undefined || a.alert.kind === kind),
    );
  }

  /** The kinds of the monitor's alerts, in the order they came. */
  kindsOf(monitorId: string): string[] {
    return this.of(monitorId).map((a) => a.alert.kind);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
