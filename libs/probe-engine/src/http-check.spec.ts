import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, type Socket, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type MonitorCreateInput, type ProbeSpec, probeUserAgent } from '@uptime/contracts';
import { TargetPolicy } from '@uptime/target-guard';
import { probeSpecFixture } from '../../../test/support/factories';
import { type HttpCheckOptions, type HttpCheckOutcome, runHttpCheck } from './http-check';

interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const HEALTHY = {
  status: 'healthy',
  count: 2,
  items: [{ id: 1 }, { id: 2, name: 'second' }],
  'key with space': 'spaced',
};
const LARGE_BODY = Buffer.concat([
  Buffer.from('BEGIN'),
  Buffer.alloc(3 * 1024 * 1024 - 8, 'x'),
  Buffer.from('END'),
]);

/** A loopback server whose paths each play one kind of target; it records what it received. */
class TestServer {
  readonly seen: SeenRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  origin = '';

  private constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.answer(req, Buffer.concat(chunks).toString(), res));
    });
  }

  static async start(tls?: { key: Buffer; cert: Buffer }): Promise<TestServer> {
    const server = tls ? createHttpsServer(tls) : createServer();
    const target = new TestServer(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    target.origin = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return target;
  }

  url(path: string): string {
    return `${this.origin}${path}`;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: IncomingMessage, body: string, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://target');
    this.seen.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const redirect = (status: number, location: string) => {
      res.writeHead(status, { location });
      res.end();
    };
    const [, route = '', arg = ''] = url.pathname.split('/');
    switch (route) {
      case 'ok':
        return json(200, HEALTHY);
      case 'status':
        return json(Number(arg), { status: 'as asked' });
      case 'slow': {
        const timer = setTimeout(() => json(200, HEALTHY), Number(arg));
        this.timers.add(timer);
        return;
      }
      case 'hang':
        return;
      case 'drip':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first part and never the rest');
        return;
      case 'hops':
        return redirect(302, Number(arg) > 0 ? `/hops/${Number(arg) - 1}` : '/ok');
      case 'redirect':
        return redirect(Number(arg), url.searchParams.get('to') ?? '/ok');
      case 'echo':
        return json(200, { method: req.method, headers: req.headers, body });
      case 'text':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end('hello plain world');
      case 'large':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end(LARGE_BODY);
      default:
        return json(404, { status: 'no such route' });
    }
  }
}

const specFor = (url: string, overrides: Partial<MonitorCreateInput> = {}): ProbeSpec =>
  probeSpecFixture({ url, ...overrides });

const LOCAL: HttpCheckOptions = { targets: new TargetPolicy({ allowPrivate: true }) };
const PUBLIC_ONLY: HttpCheckOptions = { targets: TargetPolicy.PUBLIC_ONLY };
const allowing = (...allowedCidrs: string[]): HttpCheckOptions => ({
  targets: new TargetPolicy({ allowPrivate: false, allowedCidrs }),
});

function assertDown(result: HttpCheckOutcome, kind: string, message: RegExp): void {
  assert.equal(result.outcome, 'down', `expected down, got ${JSON.stringify(result)}`);
  assert.equal(result.errorKind, kind, result.message ?? '');
  assert.match(result.message ?? '', message);
}

/** A port that was just free: bound, then released, so connecting to it is refused. */
async function refusedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('runHttpCheck over HTTP', () => {
  let target: TestServer;
  let other: TestServer;

  before(async () => {
    target = await TestServer.start();
    other = await TestServer.start();
  });

  after(async () => {
    await target.close();
    await other.close();
  });

  it('should report up for a 200, with every plain-HTTP phase timed and the size counted', async () => {
    const result = await runHttpCheck(specFor(target.url('/ok')), LOCAL);
    assert.equal(result.outcome, 'up');
    assert.equal(result.errorKind, null);
    assert.equal(result.message, null);
    assert.equal(result.httpStatus, 200);
    assert.equal(result.sizeBytes, Buffer.byteLength(JSON.stringify(HEALTHY)));
    assert.equal(result.timings.dnsMs, 0, 'an IP literal needs no lookup');
    assert.equal(result.timings.tlsMs, null);
    assert.equal(result.certificateExpiresAt, null);
    for (const phase of ['connectMs', 'firstByteMs', 'transferMs'] as const) {
      assert.equal(typeof result.timings[phase], 'number', phase);
    }
    assert.ok(result.latencyMs >= (result.timings.firstByteMs ?? 0));
    assert.ok(Math.abs(Date.parse(result.startedAt) - Date.now()) < 5000);
    assert.equal(target.seen.at(-1)?.headers['user-agent'], 'UptimeProbe/0.1.0 (+region unknown)');
  });

  const statusCases: { path: string; expected: string[]; outcome: string }[] = [
    { path: '/status/503', expected: ['200-299'], outcome: 'down' },
    { path: '/status/503', expected: ['500-599'], outcome: 'up' },
    { path: '/status/404', expected: ['2xx', '404'], outcome: 'up' },
    { path: '/status/200', expected: ['201'], outcome: 'down' },
  ];
  for (const { path, expected, outcome } of statusCases) {
    it(`should call ${path} ${outcome} when ${expected.join(', ')} is expected`, async () => {
      const result = await runHttpCheck(
        specFor(target.url(path), { expectedStatus: expected }),
        LOCAL,
      );
      assert.equal(result.outcome, outcome);
      assert.equal(result.httpStatus, Number(path.slice('/status/'.length)));
      if (outcome === 'down') assertDown(result, 'http_status', /does not match expected/);
    });
  }

  it('should report degraded, with the latency in the message, when slower than maxLatencyMs', async () => {
    const result = await runHttpCheck(
      specFor(target.url('/slow/250'), { maxLatencyMs: 100 }),
      LOCAL,
    );
    assert.equal(result.outcome, 'degraded');
    assert.equal(result.errorKind, null);
    assert.ok(result.latencyMs >= 240, `latency ${result.latencyMs}`);
    assert.match(result.message ?? '', /^latency [\d.]+ ms above limit 100 ms$/);
  });

  it('should stay up when the response is within maxLatencyMs', async () => {
    const result = await runHttpCheck(specFor(target.url('/ok'), { maxLatencyMs: 5000 }), LOCAL);
    assert.equal(result.outcome, 'up');
  });

  it('should time out a server that never answers, within timeoutMs plus 500 ms', async () => {
    const began = Date.now();
    const result = await runHttpCheck(specFor(target.url('/hang'), { timeoutMs: 300 }), LOCAL);
    const took = Date.now() - began;
    assertDown(result, 'timeout', /timed out after 300 ms waiting for the response/);
    assert.ok(took >= 290 && took < 800, `took ${took} ms`);
    assert.equal(typeof result.timings.connectMs, 'number', 'the connect phase was reached');
    assert.equal(result.timings.firstByteMs, null);
  });

  it('should time out a body that never ends and say it was reading the body', async () => {
    const result = await runHttpCheck(specFor(target.url('/drip'), { timeoutMs: 300 }), LOCAL);
    assertDown(result, 'timeout', /while reading the body/);
    assert.equal(result.httpStatus, 200);
    assert.ok(result.sizeBytes > 0);
  });

  it('should report connect when the port refuses connections', async () => {
    const port = await refusedPort();
    const result = await runHttpCheck(specFor(`http://127.0.0.1:${port}/`), LOCAL);
    assertDown(result, 'connect', /ECONNREFUSED/);
    assert.equal(result.httpStatus, null);
  });

  it('should report an answer that is not HTTP as an invalid response', async () => {
    // Reading what the client sends lets the server see it hang up, so close() can finish.
    const liar = createTcpServer((socket) => socket.resume().end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = liar.address() as AddressInfo;
      const result = await runHttpCheck(specFor(`http://127.0.0.1:${port}/`), LOCAL);
      assertDown(result, 'http_status', /^invalid HTTP response/);
    } finally {
      await new Promise<void>((resolve) => liar.close(() => resolve()));
    }
  });

  it('should report dns for a name under .invalid', async () => {
    const result = await runHttpCheck(specFor('http://probe-engine-test.invalid/'), LOCAL);
    assertDown(result, 'dns', /DNS lookup of probe-engine-test\.invalid failed/);
    assert.equal(result.timings.connectMs, null);
  });

  const keywordCases: { value: string; mode: 'present' | 'absent'; kind: string | null }[] = [
    { value: 'healthy', mode: 'present', kind: null },
    { value: 'exploded', mode: 'present', kind: 'keyword' },
    { value: 'exploded', mode: 'absent', kind: null },
    { value: 'healthy', mode: 'absent', kind: 'keyword' },
  ];
  for (const { value, mode, kind } of keywordCases) {
    it(`should ${kind ? 'fail' : 'pass'} keyword "${value}" ${mode}`, async () => {
      const result = await runHttpCheck(
        specFor(target.url('/ok'), { keyword: { value, mode } }),
        LOCAL,
      );
      assert.equal(result.errorKind, kind);
      assert.equal(result.outcome, kind ? 'down' : 'up');
      if (kind) assert.match(result.message ?? '', new RegExp(`keyword "${value}"`));
    });
  }

  const assertionCases: {
    assertions: ProbeSpec['assertions'];
    path?: string;
    failure: RegExp | null;
  }[] = [
    {
      assertions: [
        { type: 'jsonPath', path: '$.status', operator: 'equals', value: 'healthy' },
        { type: 'jsonPath', path: '$.items[1].name', operator: 'equals', value: 'second' },
        { type: 'jsonPath', path: "$['key with space']", operator: 'contains', value: 'pace' },
        { type: 'jsonPath', path: '$.count', operator: 'lessThan', value: 3 },
        { type: 'jsonPath', path: '$.items[2]', operator: 'notExists' },
      ],
      failure: null,
    },
    {
      assertions: [{ type: 'jsonPath', path: '$.items[0].id', operator: 'equals', value: '1' }],
      failure: /^assertion \$\.items\[0\]\.id equals "1" failed: actual 1$/,
    },
    {
      assertions: [
        { type: 'jsonPath', path: '$.count', operator: 'greaterThan', value: 5 },
        { type: 'jsonPath', path: '$.missing', operator: 'exists' },
      ],
      failure: /^assertion \$\.count greaterThan 5 failed: actual 2 \(and 1 more\)$/,
    },
    {
      assertions: [{ type: 'jsonPath', path: '$.status', operator: 'exists' }],
      path: '/text',
      failure: /^body is not JSON$/,
    },
  ];
  for (const { assertions, path = '/ok', failure } of assertionCases) {
    const names = assertions.map((a) => `${a.path} ${a.operator}`).join(', ');
    it(`should ${failure ? 'fail' : 'pass'} assertions ${names} on ${path}`, async () => {
      const result = await runHttpCheck(specFor(target.url(path), { assertions }), LOCAL);
      if (!failure) return assert.equal(result.outcome, 'up', result.message ?? '');
      assertDown(result, 'assertion', failure);
    });
  }

  it('should follow redirects to the final response', async () => {
    const result = await runHttpCheck(
      specFor(target.url('/hops/4'), { keyword: { value: 'healthy', mode: 'present' } }),
      LOCAL,
    );
    assert.equal(result.outcome, 'up', result.message ?? '');
    assert.equal(result.httpStatus, 200);
    assert.equal(result.sizeBytes, Buffer.byteLength(JSON.stringify(HEALTHY)));
  });

  it('should follow exactly five redirects and refuse the sixth', async () => {
    const five = await runHttpCheck(specFor(target.url('/hops/4')), LOCAL);
    assert.equal(five.outcome, 'up');
    const six = await runHttpCheck(specFor(target.url('/hops/5')), LOCAL);
    assertDown(six, 'too_many_redirects', /more than 5 redirects/);
  });

  it('should judge a 3xx by expectedStatus when redirects are not followed', async () => {
    const strict = await runHttpCheck(
      specFor(target.url('/hops/0'), { followRedirects: false }),
      LOCAL,
    );
    assertDown(strict, 'http_status', /status 302/);
    assert.equal(strict.httpStatus, 302);
    const lenient = await runHttpCheck(
      specFor(target.url('/hops/0'), { followRedirects: false, expectedStatus: ['3xx'] }),
      LOCAL,
    );
    assert.equal(lenient.outcome, 'up');
  });

  const methodCases: { status: number; method: string; body: string }[] = [
    { status: 303, method: 'GET', body: '' },
    { status: 307, method: 'POST', body: '{"a":1}' },
    { status: 308, method: 'POST', body: '{"a":1}' },
  ];
  for (const { status, method, body } of methodCases) {
    it(`should repeat a POST as ${method} after a ${status}`, async () => {
      const spec = specFor(target.url(`/redirect/${status}?to=/echo`), {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'content-type': 'application/json' },
      });
      await runHttpCheck(spec, LOCAL);
      const echoed = target.seen.at(-1);
      assert.equal(echoed?.path, '/echo');
      assert.equal(echoed?.method, method);
      assert.equal(echoed?.body, body);
    });
  }

  it('should not carry credentials to another origin on a redirect', async () => {
    const spec = specFor(target.url(`/redirect/302?to=${other.url('/echo')}`), {
      headers: { Authorization: 'Bearer secret', 'X-Probe': 'kept' },
    });
    const result = await runHttpCheck(spec, LOCAL);
    assert.equal(result.outcome, 'up');
    assert.equal(target.seen.at(-1)?.headers.authorization, 'Bearer secret');
    const echoed = other.seen.at(-1);
    assert.equal(echoed?.headers.authorization, undefined);
    assert.equal(echoed?.headers['x-probe'], 'kept');
  });

  it('should send the method, headers and body of the spec', async () => {
    const spec = specFor(target.url('/echo'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Probe': 'yes', 'User-Agent': 'custom/2' },
      body: '{"ping":true}',
    });
    const result = await runHttpCheck(spec, LOCAL);
    assert.equal(result.outcome, 'up');
    const seen = target.seen.at(-1);
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.body, '{"ping":true}');
    assert.equal(seen?.headers['content-type'], 'application/json');
    assert.equal(seen?.headers['x-probe'], 'yes');
    // The monitor's own User-Agent is kept, the probe's appended: the region stays visible.
    assert.equal(seen?.headers['user-agent'], 'custom/2 UptimeProbe/0.1.0 (+region unknown)');
  });

  it('should name the region in the User-Agent the prober gives it', async () => {
    const result = await runHttpCheck(specFor(target.url('/ok')), {
      ...LOCAL,
      userAgent: probeUserAgent('eu'),
    });
    assert.equal(result.outcome, 'up');
    assert.equal(target.seen.at(-1)?.headers['user-agent'], 'UptimeProbe/0.1.0 (+region eu)');
  });

  it('should count the whole of a large body but search only the first maxBodyBytes', async () => {
    const options = { ...LOCAL, maxBodyBytes: 1024 };
    const start = await runHttpCheck(
      specFor(target.url('/large'), { keyword: { value: 'BEGIN', mode: 'present' } }),
      options,
    );
    assert.equal(start.outcome, 'up');
    assert.equal(start.sizeBytes, LARGE_BODY.length);
    const end = await runHttpCheck(
      specFor(target.url('/large'), { keyword: { value: 'END', mode: 'present' } }),
      options,
    );
    assertDown(end, 'keyword', /searched the first 1024 bytes/);
    assert.equal(end.sizeBytes, LARGE_BODY.length);
  });

  it('should block a loopback IP without connecting when private targets are not allowed', async () => {
    const before = target.seen.length;
    const result = await runHttpCheck(specFor(target.url('/ok')), PUBLIC_ONLY);
    assertDown(result, 'blocked_target', /^127\.0\.0\.1 is a loopback address/);
    assert.equal(target.seen.length, before, 'the target must not be contacted');
  });

  it('should block a name that resolves to loopback, judging the resolved address', async () => {
    const before = target.seen.length;
    const url = target.url('/ok').replace('127.0.0.1', 'localhost');
    const result = await runHttpCheck(specFor(url), PUBLIC_ONLY);
    assertDown(
      result,
      'blocked_target',
      /^localhost resolves to (127\.0\.0\.1|::1), which is a loopback address/,
    );
    assert.equal(target.seen.length, before);
  });

  it('should block an IPv4-mapped IPv6 loopback address', async () => {
    const url = target.url('/ok').replace('127.0.0.1', '[::ffff:127.0.0.1]');
    const result = await runHttpCheck(specFor(url), PUBLIC_ONLY);
    assertDown(result, 'blocked_target', /loopback address/);
  });

  it('should check a loopback target that PROBE_ALLOWED_CIDRS allows', async () => {
    const result = await runHttpCheck(specFor(target.url('/ok')), allowing('127.0.0.0/8'));
    assert.equal(result.outcome, 'up', result.message ?? '');
  });

  it('should not let 127.0.0.1 through when only 10.0.0.0/8 is allowed, and say so', async () => {
    const before = target.seen.length;
    const told: string[] = [];
    const result = await runHttpCheck(specFor(target.url('/ok')), {
      ...allowing('10.0.0.0/8'),
      onBlocked: (reason, message) => told.push(`${reason}|${message}`),
    });
    assertDown(result, 'blocked_target', /^127\.0\.0\.1 is a loopback address/);
    assert.equal(target.seen.length, before, 'the target must not be contacted');
    assert.deepEqual(told, [`loopback|${result.message}`]);
  });

  it('should guard every redirect hop, not only the first', async () => {
    // 127.0.0.1 is allowed, 127.0.0.2 is not; were the hop not guarded, its connection would be
    // refused (nothing listens there) and the check would fail as `connect` instead.
    const hop = `http://127.0.0.2:${new URL(other.url('/ok')).port}/ok`;
    const spec = specFor(target.url(`/redirect/302?to=${encodeURIComponent(hop)}`), {
      followRedirects: true,
    });
    const result = await runHttpCheck(spec, allowing('127.0.0.1/32'));
    assertDown(result, 'blocked_target', /^127\.0\.0\.2 is a loopback address/);
  });

  it('should end a cancelled check at once as a prober error', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const began = Date.now();
    const result = await runHttpCheck(specFor(target.url('/hang')), {
      ...LOCAL,
      signal: controller.signal,
    });
    assertDown(result, 'prober_error', /cancelled/);
    assert.ok(Date.now() - began < 1000);
  });
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe(
  'runHttpCheck over HTTPS',
  { skip: hasOpenssl ? false : 'the openssl CLI is not available' },
  () => {
    let dir: string;
    let trusted: { key: Buffer; cert: Buffer };
    let secure: TestServer;
    let misnamed: TestServer;
    let misnamedCert: Buffer;

    /** A self-signed certificate, which can also serve as its own CA in `options.ca`. */
    function certificate(name: string, altNames: string): { key: Buffer; cert: Buffer } {
      const key = join(dir, `${name}.key`);
      const cert = join(dir, `${name}.crt`);
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
          .concat(['-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${name}`])
          .concat(['-addext', `subjectAltName=${altNames}`]),
        { stdio: 'ignore' },
      );
      return { key: readFileSync(key), cert: readFileSync(cert) };
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'probe-engine-tls-'));
      trusted = certificate('loopback', 'IP:127.0.0.1');
      const other = certificate('elsewhere', 'DNS:example.test');
      misnamedCert = other.cert;
      secure = await TestServer.start(trusted);
      misnamed = await TestServer.start(other);
    });

    after(async () => {
      await secure?.close();
      await misnamed?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('should report up with every phase timed and the certificate expiry when the CA is trusted', async () => {
      const result = await runHttpCheck(specFor(secure.url('/ok')), { ...LOCAL, ca: trusted.cert });
      assert.equal(result.outcome, 'up', result.message ?? '');
      for (const [phase, ms] of Object.entries(result.timings)) {
        assert.equal(typeof ms, 'number', phase);
      }
      const validTo = new Date(new X509Certificate(trusted.cert).validTo).toISOString();
      assert.equal(result.certificateExpiresAt, validTo);
      const days = (Date.parse(validTo) - Date.now()) / 86_400_000;
      assert.ok(days > 29 && days <= 30, `expires in ${days} days`);
    });

    it('should report tls for a self-signed certificate and say so', async () => {
      const result = await runHttpCheck(specFor(secure.url('/ok')), LOCAL);
      assertDown(result, 'tls', /self-signed certificate/);
      assert.equal(typeof result.timings.connectMs, 'number');
      assert.equal(result.httpStatus, null);
    });

    it('should report tls for a certificate issued to another name', async () => {
      const result = await runHttpCheck(specFor(misnamed.url('/ok')), {
        ...LOCAL,
        ca: misnamedCert,
      });
      assertDown(result, 'tls', /hostname mismatch/);
    });

    it('should report tls when the server does not speak TLS', async () => {
      const plain = await TestServer.start();
      try {
        const result = await runHttpCheck(
          specFor(plain.url('/ok').replace('http:', 'https:')),
          LOCAL,
        );
        assertDown(result, 'tls', /TLS handshake with 127\.0\.0\.1 failed: wrong version number/);
      } finally {
        await plain.close();
      }
    });
  },
);
