import { type INestApplication, NotFoundException } from '@nestjs/common';
import type { MetricsEndpoint } from '@uptime/config';
import { MetricsScrape } from '@uptime/health';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';

/** The public port's answer to `/metrics` once it has moved: not here (in the app's error format). */
export function metricsNotHere(_req: Request, _res: Response, next: NextFunction): void {
  next(new NotFoundException('Metrics are served on the metrics port.'));
}

/** A plain HTTP server that answers `GET /metrics` with the app's scrape and 404 to the rest. */
export async function serveMetrics(
  app: INestApplication,
  endpoint: MetricsEndpoint,
): Promise<{ url: string; close(): Promise<void> }> {
  const scrape = app.get(MetricsScrape, { strict: false });
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    scrape.text().then(
      (text) => res.writeHead(200, { 'content-type': MetricsScrape.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed\n'),
    );
  });
  await listen(server, endpoint);
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function listen(server: Server, endpoint: MetricsEndpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(endpoint.port, endpoint.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
