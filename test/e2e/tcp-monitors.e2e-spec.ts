import type { CheckResult, Monitor, MonitorStats } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { AlertReceiver } from '../support/alert-receiver';
import { Pipeline } from '../support/pipeline';
import { selfSignedCertificate } from '../support/target-server';
import { waitFor } from '../support/wait-for';

interface Page {
  items: CheckResult[];
}

interface Problem {
  errors: { field: string; message: string }[];
}

/** A loopback TCP (or TLS) server that can be stopped and started again on the same port. */
class PortServer {
  port = 0;
  private server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly make: () => Server) {
    this.server = this.listening();
  }

  private listening(): Server {
    const server = this.make();
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  async start(): Promise<void> {
    if (this.server.listening) return;
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = this.listening();
  }
}

const INTERVAL_S = 10;
const CHECK_WAIT_MS = 2 * INTERVAL_S * 1000 + 8000;

describe('tcp monitors', () => {
  const pipeline = new Pipeline();
  let receiver: AlertReceiver;
  const tcpTarget = new PortServer(() => createServer((socket) => socket.resume()));
  const certificate = selfSignedCertificate();
  const tlsTarget = new PortServer(() => createTlsServer(certificate, (socket) => socket.resume()));
  let token: string;
  let channelId: string;

  const createMonitor = async (body: Record<string, unknown>, as = token): Promise<Monitor> => {
    const res = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      { type: 'tcp', intervalSeconds: INTERVAL_S, timeoutMs: 2000, ...body },
      as,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const checksOf = async (id: string, as: string) =>
    (await pipeline.api.get<Page>(`/api/v1/monitors/${id}/checks?limit=100`, as)).body.items;
  /** The newest check that matches, waiting for the scheduler and prober to store it. */
  const checkWhere = (
    monitor: Monitor,
    what: string,
    match: (c: CheckResult) => boolean,
    as = token,
  ) => waitFor(what, async () => (await checksOf(monitor.id, as)).find(match), CHECK_WAIT_MS, 200);

  before(async () => {
    await tcpTarget.start();
    await tlsTarget.start();
    receiver = await AlertReceiver.start();
    await pipeline.start({ probers: 1, schedulers: 1 });
    token = (await pipeline.api.newUser('tcp')).accessToken;
    channelId = await pipeline.api.newWebhookChannel(token, 'ops hook', receiver.url);
  });
  after(async () => {
    await pipeline.stop();
    await tcpTarget.stop().catch(() => undefined);
    await tlsTarget.stop().catch(() => undefined);
    await receiver.close();
  });

  it('should check a port: up while it accepts, down with connect when it stops, one alert each way', async () => {
    const monitor = await createMonitor({
      name: 'database port',
      url: `tcp://127.0.0.1:${tcpTarget.port}`,
      regions: [pipeline.region],
      channelIds: [channelId],
    });
    assert.equal(monitor.type, 'tcp');
    assert.equal(monitor.method, 'GET');
    assert.equal(monitor.tls, null);

    const up = await checkWhere(monitor, 'an up check', (c) => c.outcome === 'up');
    assert.equal(up.errorKind, null);
    assert.equal(up.httpStatus, null);
    assert.equal(typeof up.timings.connectMs, 'number');
    assert.equal(up.latencyMs, up.timings.connectMs);
    assert.equal(up.timings.firstByteMs, null);
    assert.equal(up.certificateExpiresAt, null);

    await tcpTarget.stop();
    const down = await checkWhere(monitor, 'a down check', (c) => c.outcome === 'down');
    assert.equal(down.errorKind, 'connect');
    assert.match(down.message ?? '', new RegExp(`127\\.0\\.0\\.1:${tcpTarget.port}`));
    await waitFor(
      'the down alert',
      () => receiver.kindsOf(monitor.id).includes('down') || undefined,
    );

    await tcpTarget.start();
    await checkWhere(
      monitor,
      'an up check after the down one',
      (c) => c.outcome === 'up' && c.scheduledAt > down.scheduledAt,
    );
    await waitFor('the up alert', () => receiver.kindsOf(monitor.id).includes('up') || undefined);
    const incidents = await pipeline.api.get<{ items: { state: string }[] }>(
      `/api/v1/monitors/${monitor.id}/incidents`,
      token,
    );
    assert.deepEqual(
      incidents.body.items.map((i) => i.state),
      ['resolved'],
    );
    assert.deepEqual(receiver.kindsOf(monitor.id), ['down', 'up']);

    const stats = await pipeline.api.get<MonitorStats>(
      `/api/v1/monitors/${monitor.id}/stats?window=1h`,
      token,
    );
    assert.equal(stats.status, 200);
    assert.ok(stats.body.totalChecks >= 3, JSON.stringify(stats.body));
    assert.ok(stats.body.failedChecks >= 1, JSON.stringify(stats.body));
  });

  it('should complete a TLS handshake and record the certificate expiry when allowed unverified', async () => {
    const monitor = await createMonitor({
      name: 'mail tls',
      url: `tls://127.0.0.1:${tlsTarget.port}`,
      regions: [pipeline.region],
      tls: { allowInvalidCertificate: true },
    });
    assert.deepEqual(monitor.tls, { allowInvalidCertificate: true });
    const up = await checkWhere(monitor, 'an up tls check', (c) => c.outcome === 'up');
    const expiry = new Date(new X509Certificate(certificate.cert).validTo).toISOString();
    assert.equal(up.certificateExpiresAt, expiry);
    assert.equal(typeof up.timings.tlsMs, 'number');
  });

  it('should report tls for a self-signed certificate the monitor does not allow', async () => {
    // Another team: the same target may be monitored once per team (owner, method, url).
    const strict = (await pipeline.api.newUser('tcp-strict')).accessToken;
    const monitor = await createMonitor(
      { name: 'strict tls', url: `tls://127.0.0.1:${tlsTarget.port}`, regions: [pipeline.region] },
      strict,
    );
    const down = await checkWhere(monitor, 'a down tls check', (c) => c.outcome === 'down', strict);
    assert.equal(down.errorKind, 'tls');
    assert.match(down.message ?? '', /self-signed certificate/);
  });

  it('should refuse bad tcp monitors with 400 naming each field', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ url: 'tcp://127.0.0.1' }, ['url']],
      [{ url: 'tcp://127.0.0.1:70000' }, ['url']],
      [{ url: 'https://127.0.0.1/' }, ['url']],
      [
        { url: 'tcp://127.0.0.1:5432', method: 'POST', headers: { 'X-A': '1' }, keyword: 'ok' },
        ['headers', 'keyword', 'method'],
      ],
      [{ url: 'tcp://127.0.0.1:5432', tls: { allowInvalidCertificate: true } }, ['tls']],
    ];
    for (const [body, fields] of cases) {
      const res = await pipeline.api.post<Problem>(
        '/api/v1/monitors',
        { name: 'bad', type: 'tcp', ...body },
        token,
      );
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(res.body.errors.map((e) => e.field).sort(), fields, JSON.stringify(body));
    }
  });
});
