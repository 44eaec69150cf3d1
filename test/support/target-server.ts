import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TargetMode = 'ok' | 'fail' | 'slow' | 'hang' | 'wrong-keyword';

/**
 * A loopback HTTP server whose behaviour a test switches per path: `/<name>` answers as the mode
 * set for `<name>` (default ok). It counts requests per path.
 */
export class TargetServer {
  readonly modes = new Map<string, TargetMode>();
  readonly hits = new Map<string, number>();
  slowMs = 1500;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(tls?: { key: Buffer; cert: Buffer }): Promise<TargetServer> {
    const holder: { target?: TargetServer } = {};
    const handler = (req: IncomingMessage, res: ServerResponse) => holder.target!.handle(req, res);
    const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.target = new TargetServer(server, `${tls ? 'https' : 'http'}://127.0.0.1:${port}`);
    return holder.target;
  }

  url(name: string): string {
    return `${this.baseUrl}/${name}`;
  }

  set(name: string, mode: TargetMode): void {
    this.modes.set(name, mode);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const name = (req.url ?? '/').slice(1).split('?')[0]!;
    this.hits.set(name, (this.hits.get(name) ?? 0) + 1);
    const mode = this.modes.get(name) ?? 'ok';
    const reply = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    switch (mode) {
      case 'ok':
        return reply(200, '{"status":"healthy"}');
      case 'fail':
        return reply(503, '{"status":"unavailable"}');
      case 'wrong-keyword':
        return reply(200, '{"status":"degraded-mode"}');
      case 'slow':
        setTimeout(() => reply(200, '{"status":"healthy"}'), this.slowMs);
        return;
      case 'hang':
        return;
    }
  }
}

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI. */
export function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'uptime-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A loopback port that refuses connections (bound, then closed). */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
