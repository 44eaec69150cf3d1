import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertMessage } from './alert-message';

/** A realistic `down` alert; specs override only what they are about. */
export function sampleAlert(overrides: Partial<AlertMessage> = {}): AlertMessage {
  return {
    alertId: '0b9f4f0e-5d7a-4a43-9a55-3f1d2a6c8e10',
    kind: 'down',
    monitor: {
      id: '6f1c3c3e-8a0e-4f55-9a7e-3b0f7c2d9e11',
      name: 'Checkout API',
      url: 'https://api.example.com/checkout/health',
    },
    incident: {
      id: 'c2a7e8d4-1f3b-4c6a-8e9d-5b4a3c2d1e0f',
      startedAt: '2025-03-01T12:00:00.000Z',
      resolvedAt: null,
      cause: {
        outcome: 'down',
        errorKind: 'http_status',
        httpStatus: 503,
        latencyMs: 182,
        assertions: [{ type: 'status', expected: ['200-299'], actual: 503, passed: false }],
      },
    },
    occurredAt: '2025-03-01T12:00:00.000Z',
    durationMs: null,
    monitorLink: 'https://uptime.example.com/monitors/6f1c3c3e-8a0e-4f55-9a7e-3b0f7c2d9e11',
    ...overrides,
  };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/**
 * An HTTP server on a loopback address (127.0.0.1 unless told, e.g. 127.0.0.2 or ::1) that
 * records every request and answers as told.
 */
export async function startReceiver(
  answer: (request: ReceivedRequest) => Answer = () => ({ status: 204 }),
  host = '127.0.0.1',
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const reply = answer(request);
      if (reply === 'hang') return;
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive sockets would otherwise hold the server open after the test.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
