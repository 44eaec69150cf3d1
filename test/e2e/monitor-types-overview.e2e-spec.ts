import type {
  CheckAssertion,
  CheckResult,
  Incident,
  Monitor,
  MonitorStats,
} from '@uptime/contracts';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { AlertReceiver } from '../support/alert-receiver';
import { TestDnsServer } from '../support/dns-server';
import { Pipeline } from '../support/pipeline';
import { selfSignedCertificate, TargetServer } from '../support/target-server';
import { waitFor } from '../support/wait-for';

interface Page<T> {
  items: T[];
}

interface DashboardEntry {
  id: string;
  status: string;
  lastCheckedAt: string | null;
  latencyMs: number | null;
  uptime24hPercent: number | null;
  certificateExpiresAt: string | null;
}

type Kind = 'http' | 'tls' | 'tcp' | 'dns';

/** A loopback TCP or TLS server that can be stopped for good, open connections included. */
class PortServer {
  private readonly sockets = new Set<Socket>();

  private constructor(readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(server: Server): Promise<PortServer> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new PortServer(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const INTERVAL_S = 10;
const CHECK_WAIT_MS = 2 * INTERVAL_S * 1000 + 10_000;
const DNS_NAME = 'overview.example.test';

/**
 * Issue item "stats, history, dashboard, incidents and alerts work for every type": one monitor
 * of each type against loopback servers, through the whole pipeline, read back over HTTP.
 */
describe('every monitor type through history, stats, dashboard, incidents and alerts', () => {
  const pipeline = new Pipeline();
  const certificate = selfSignedCertificate();
  const certificateExpiry = new Date(new X509Certificate(certificate.cert).validTo).toISOString();
  let web: TargetServer;
  let tcp: PortServer;
  let tls: PortServer;
  let dns: TestDnsServer;
  let receiver: AlertReceiver;
  let token: string;
  const monitors = {} as Record<Kind, Monitor>;
  const kinds: Kind[] = ['http', 'tls', 'tcp', 'dns'];

  const get = async <T>(path: string): Promise<T> => {
    const res = await pipeline.api.get<T>(`/api/v1${path}`, token);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const checksOf = async (kind: Kind) =>
    (await get<Page<CheckResult>>(`/monitors/${monitors[kind].id}/checks?limit=100`)).items;
  const newestCheck = (kind: Kind, what: string, match: (c: CheckResult) => boolean) =>
    waitFor(
      `${what} of the ${kind} monitor`,
      async () => (await checksOf(kind)).find(match),
      CHECK_WAIT_MS,
      200,
    );
  const dashboard = async () =>
    new Map((await get<Page<DashboardEntry>>('/dashboard')).items.map((e) => [e.id, e]));
  const typesOf = (assertions: CheckAssertion[]) => assertions.map((a) => a.type);

  before(async () => {
    web = await TargetServer.start();
    tcp = await PortServer.start(createServer((socket) => socket.resume()));
    tls = await PortServer.start(createTlsServer(certificate, (socket) => socket.resume()));
    dns = await TestDnsServer.start();
    dns.set(DNS_NAME, { records: { A: ['192.0.2.20'] } });
    receiver = await AlertReceiver.start();
    await pipeline.start({ probers: 1, schedulers: 1 });
    token = (await pipeline.api.newUser('overview')).accessToken;
    const channel = await pipeline.api.post<{ id: string }>(
      '/api/v1/channels',
      {
        name: 'overview hook',
        type: 'webhook',
        config: { url: receiver.url, secret: 'a-webhook-secret-of-some-length' },
      },
      token,
    );
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    const common = {
      intervalSeconds: INTERVAL_S,
      timeoutMs: 2000,
      regions: [pipeline.region],
      channelIds: [channel.body.id],
    };
    const bodies: Record<Kind, Record<string, unknown>> = {
      http: {
        name: 'overview http',
        url: web.url('overview'),
        keyword: 'healthy',
        maxLatencyMs: 1500,
      },
      tls: {
        name: 'overview tls',
        type: 'tcp',
        url: `tls://127.0.0.1:${tls.port}`,
        tls: { allowInvalidCertificate: true },
        // The test certificate lives two days: no certificate incident beside the outage.
        alertPolicy: { certificateExpiryDays: 1 },
      },
      tcp: { name: 'overview tcp', type: 'tcp', url: `tcp://127.0.0.1:${tcp.port}` },
      dns: {
        name: 'overview dns',
        type: 'dns',
        url: `dns://${DNS_NAME}`,
        dns: { recordType: 'A', resolver: dns.address, expected: ['192.0.2.20'] },
      },
    };
    for (const kind of kinds) {
      const res = await pipeline.api.post<Monitor>(
        '/api/v1/monitors',
        { ...common, ...bodies[kind] },
        token,
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      monitors[kind] = res.body;
    }
  });
  after(async () => {
    await pipeline.stop();
    await Promise.all([web?.close(), tcp?.stop(), tls?.stop(), dns?.close(), receiver?.close()]);
  });

  it('stores each type with its own assertions in the check history', async () => {
    const [http, tlsCheck, tcpCheck, dnsCheck] = await Promise.all(
      kinds.map((kind) => newestCheck(kind, 'an up check', (c) => c.outcome === 'up')),
    );

    assert.equal(http!.httpStatus, 200);
    assert.deepEqual(typesOf(http!.assertions), ['status', 'keyword', 'latency']);
    assert.deepEqual(http!.assertions[1], {
      type: 'keyword',
      target: 'present',
      expected: 'healthy',
      actual: 'found',
      passed: true,
    });
    assert.equal(http!.certificateExpiresAt, null);

    assert.equal(tlsCheck!.httpStatus, null);
    assert.deepEqual(typesOf(tlsCheck!.assertions), ['connect', 'tls', 'certificate']);
    assert.deepEqual(tlsCheck!.assertions[2], {
      type: 'certificate',
      actual: certificateExpiry,
      passed: true,
    });
    assert.equal(tlsCheck!.certificateExpiresAt, certificateExpiry);
    assert.equal(typeof tlsCheck!.timings.tlsMs, 'number');

    assert.deepEqual(tcpCheck!.assertions, [
      { type: 'connect', expected: 'open', actual: 'open', passed: true },
    ]);
    assert.equal(tcpCheck!.latencyMs, tcpCheck!.timings.connectMs);
    assert.equal(tcpCheck!.certificateExpiresAt, null);

    assert.deepEqual(dnsCheck!.assertions, [
      {
        type: 'dns_answer',
        target: 'A',
        expected: ['192.0.2.20'],
        actual: ['192.0.2.20'],
        passed: true,
      },
    ]);
    assert.ok(dnsCheck!.latencyMs > 0, 'a dns check takes the query time');
    assert.equal(dnsCheck!.latencyMs, dnsCheck!.timings.dnsMs);
    assert.equal(dnsCheck!.httpStatus, null);
  });

  it('counts each type in stats: uptime, latency figures, status and the certificate', async () => {
    for (const kind of kinds) {
      const stats = await get<MonitorStats>(`/monitors/${monitors[kind].id}/stats?window=1h`);
      const checks = await checksOf(kind);
      assert.ok(stats.totalChecks >= 1, `${kind}: ${JSON.stringify(stats)}`);
      assert.equal(stats.failedChecks, 0, kind);
      assert.equal(stats.uptimePercent, 100, kind);
      assert.equal(stats.currentStatus, 'up', kind);
      assert.equal(typeof stats.avgLatencyMs, 'number', kind);
      assert.equal(typeof stats.p50, 'number', kind);
      assert.equal(typeof stats.p95, 'number', kind);
      // The figures are the stored checks' latencies, whatever the type measures.
      const latencies = checks.map((c) => c.latencyMs);
      assert.ok(stats.p50! >= Math.min(...latencies) - 0.1, `${kind} p50 ${stats.p50}`);
      assert.ok(stats.p95! <= Math.max(...latencies) + 0.1, `${kind} p95 ${stats.p95}`);
      assert.equal(stats.ongoingIncident, null, kind);
      assert.equal(stats.certificateExpiresAt, kind === 'tls' ? certificateExpiry : null, kind);
    }
    const dnsStats = await get<MonitorStats>(`/monitors/${monitors.dns.id}/stats?window=1h`);
    assert.ok(dnsStats.avgLatencyMs! > 0, 'dns latency is the query time');
  });

  it('shows each type on the dashboard with its status, latest latency and certificate', async () => {
    const entries = await dashboard();
    for (const kind of kinds) {
      const entry = entries.get(monitors[kind].id);
      assert.ok(entry, `${kind} on the dashboard`);
      assert.equal(entry.status, 'up', kind);
      assert.equal(entry.uptime24hPercent, 100, kind);
      const latest = (await checksOf(kind)).find((c) => c.startedAt === entry.lastCheckedAt);
      assert.ok(latest, `${kind}: the check of lastCheckedAt is in the history`);
      assert.equal(entry.latencyMs, latest.latencyMs, kind);
      assert.equal(entry.certificateExpiresAt, kind === 'tls' ? certificateExpiry : null, kind);
    }
  });

  it('opens an incident per type with its own cause, alerts it, and lists it', async () => {
    const brokeAt = new Date().toISOString();
    web.set('overview', 'fail');
    await tcp.stop();
    await tls.stop();
    dns.set(DNS_NAME, 'servfail');
    const expectedKind: Record<Kind, string> = {
      http: 'http_status',
      tls: 'connect',
      tcp: 'connect',
      dns: 'dns',
    };
    const downs = await Promise.all(
      kinds.map((kind) =>
        newestCheck(kind, 'a down check', (c) => c.outcome === 'down' && c.startedAt > brokeAt),
      ),
    );
    kinds.forEach((kind, i) => assert.equal(downs[i]!.errorKind, expectedKind[kind], kind));
    assert.deepEqual(downs[0]!.assertions[0], {
      type: 'status',
      expected: ['200-299'],
      actual: 503,
      passed: false,
    });
    assert.deepEqual(downs[3]!.assertions, [
      {
        type: 'dns_answer',
        target: 'A',
        expected: ['192.0.2.20'],
        actual: 'ESERVFAIL',
        passed: false,
      },
    ]);

    for (const kind of kinds) {
      const { id } = monitors[kind];
      const incidents = await waitFor(`the open incident of the ${kind} monitor`, async () => {
        const page = await get<Page<Incident>>(`/monitors/${id}/incidents`);
        return page.items.length > 0 ? page.items : undefined;
      });
      assert.equal(incidents.length, 1, kind);
      assert.equal(incidents[0]!.state, 'open', kind);
      assert.equal(incidents[0]!.kind, 'down', kind);
      assert.equal(incidents[0]!.cause.errorKind, expectedKind[kind], kind);
      await waitFor(`the down alert of the ${kind} monitor`, () =>
        receiver.kindsOf(id).includes('down') ? true : undefined,
      );
      const stats = await get<MonitorStats>(`/monitors/${id}/stats?window=1h`);
      assert.equal(stats.currentStatus, 'down', kind);
      assert.ok(stats.failedChecks >= 1 && stats.uptimePercent! < 100, kind);
      assert.equal(stats.ongoingIncident?.id, incidents[0]!.id, kind);
    }
    const open = await get<Page<Incident>>('/incidents?state=open');
    assert.deepEqual(
      open.items.map((i) => i.monitorId).sort(),
      kinds.map((kind) => monitors[kind].id).sort(),
    );

    const entries = await dashboard();
    for (const kind of kinds) assert.equal(entries.get(monitors[kind].id)?.status, 'down', kind);
    // The newest tls check saw no certificate: the dashboard keeps the one seen before.
    assert.equal(entries.get(monitors.tls.id)?.certificateExpiresAt, certificateExpiry);
  });
});
