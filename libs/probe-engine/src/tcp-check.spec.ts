import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { MonitorCreateInput, ProbeSpec } from '@uptime/contracts';
import { TargetPolicy } from '@uptime/target-guard';
import { probeSpecFixture } from '../../../test/support/factories';
import { runTcpCheck, type TcpCheckOptions, type TcpCheckOutcome } from './tcp-check';

const LOCAL: TcpCheckOptions = { targets: new TargetPolicy({ allowPrivate: true }) };
const PUBLIC_ONLY: TcpCheckOptions = { targets: TargetPolicy.PUBLIC_ONLY };

const tcpSpec = (url: string, overrides: Partial<MonitorCreateInput> = {}): ProbeSpec =>
  probeSpecFixture({ type: 'tcp', url, ...overrides });

/** A loopback server that keeps track of its sockets, so closing it never waits on a client. */
async function listen(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port, close };
}

/** A port that was just free: bound, then released, so connecting to it is refused. */
async function refusedPort(): Promise<number> {
  const { port, close } = await listen(createServer());
  await close();
  return port;
}

function assertDown(result: TcpCheckOutcome, kind: string, message: RegExp): void {
  assert.equal(result.outcome, 'down', `expected down, got ${JSON.stringify(result)}`);
  assert.equal(result.errorKind, kind, result.message ?? '');
  assert.match(result.message ?? '', message);
}

function assertionOf(result: TcpCheckOutcome, type: string) {
  return result.assertions.find((a) => a.type === type);
}

describe('runTcpCheck', () => {
  let open: { port: number; close: () => Promise<void> };

  before(async () => {
    // Reading what arrives lets it see the client hang up.
    open = await listen(createServer((socket) => socket.resume()));
  });
  after(async () => {
    await open?.close();
  });

  it('should report up with the connect time as latency when the port accepts', async () => {
    const result = await runTcpCheck(tcpSpec(`tcp://127.0.0.1:${open.port}`), LOCAL);
    assert.equal(result.outcome, 'up', result.message ?? '');
    assert.equal(result.errorKind, null);
    assert.equal(result.httpStatus, null);
    assert.equal(result.sizeBytes, 0);
    assert.equal(result.certificateExpiresAt, null);
    assert.equal(typeof result.timings.connectMs, 'number');
    assert.equal(result.latencyMs, result.timings.connectMs);
    assert.equal(result.timings.tlsMs, null);
    assert.equal(result.timings.firstByteMs, null);
    assert.deepEqual(result.assertions, [
      { type: 'connect', expected: 'open', actual: 'open', passed: true },
    ]);
  });

  it('should resolve a host name before connecting and time the lookup', async () => {
    const result = await runTcpCheck(tcpSpec(`tcp://localhost:${open.port}`), LOCAL);
    // localhost may resolve to ::1 first, where nothing listens; either way the lookup is timed.
    assert.equal(typeof result.timings.dnsMs, 'number');
  });

  it('should report connect when the port refuses, with the connect assertion saying so', async () => {
    const port = await refusedPort();
    const result = await runTcpCheck(tcpSpec(`tcp://127.0.0.1:${port}`), LOCAL);
    assertDown(result, 'connect', new RegExp(`could not connect to 127\\.0\\.0\\.1:${port}`));
    assert.deepEqual(assertionOf(result, 'connect'), {
      type: 'connect',
      expected: 'open',
      actual: 'refused',
      passed: false,
    });
  });

  it('should report dns for a name that does not resolve', async () => {
    const result = await runTcpCheck(tcpSpec('tcp://no-such-host.invalid:80'), LOCAL);
    assertDown(result, 'dns', /DNS lookup of no-such-host\.invalid failed/);
    assert.equal(assertionOf(result, 'connect')?.actual, 'unresolved');
  });

  it('should refuse a loopback target exactly as an http check does', async () => {
    const result = await runTcpCheck(tcpSpec(`tcp://127.0.0.1:${open.port}`), PUBLIC_ONLY);
    assertDown(result, 'blocked_target', /^127\.0\.0\.1 is a loopback address/);
    assert.equal(result.timings.connectMs, null);
    assert.equal(assertionOf(result, 'connect')?.actual, 'blocked');
  });

  it('should refuse a name that resolves to a loopback address', async () => {
    const result = await runTcpCheck(tcpSpec(`tcp://localhost:${open.port}`), PUBLIC_ONLY);
    assertDown(result, 'blocked_target', /loopback address/);
  });

  it('should report degraded when connecting takes longer than maxLatencyMs', async () => {
    // No real connect takes under 0 ms; 1 ms is the least a monitor may set, so a fractional
    // latency above it is what a loopback connect gives only sometimes: the spec's bound is bent.
    const spec = { ...tcpSpec(`tcp://127.0.0.1:${open.port}`), maxLatencyMs: -1 };
    const result = await runTcpCheck(spec, LOCAL);
    assert.equal(result.outcome, 'degraded');
    assert.equal(result.errorKind, null);
    assert.match(result.message ?? '', /above limit -1 ms/);
    assert.equal(assertionOf(result, 'latency')?.passed, false);
  });

  it('should refuse to run a spec of another type', async () => {
    await assert.rejects(
      runTcpCheck(probeSpecFixture({ url: 'https://a.example.test/' }), LOCAL),
      TypeError,
    );
  });
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe(
  'runTcpCheck over TLS',
  { skip: hasOpenssl ? false : 'the openssl CLI is not available' },
  () => {
    let dir: string;
    let trusted: { key: Buffer; cert: Buffer };
    let secure: { port: number; close: () => Promise<void> };
    let misnamed: { port: number; close: () => Promise<void> };
    let misnamedCert: Buffer;
    let silent: { port: number; close: () => Promise<void> };

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

    const expiryOf = (cert: Buffer) => new Date(new X509Certificate(cert).validTo).toISOString();

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'probe-engine-tcp-tls-'));
      trusted = certificate('loopback', 'IP:127.0.0.1');
      const other = certificate('elsewhere', 'DNS:example.test');
      misnamedCert = other.cert;
      secure = await listen(createTlsServer(trusted, (socket) => socket.resume()));
      misnamed = await listen(createTlsServer(other, (socket) => socket.resume()));
      // Accepts and never answers, so a handshake waits until the deadline.
      silent = await listen(createServer((socket) => socket.resume()));
    });

    after(async () => {
      await secure?.close();
      await misnamed?.close();
      await silent?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('should report up after the handshake, with its expiry and connect + tls as latency', async () => {
      const spec = tcpSpec(`tls://127.0.0.1:${secure.port}`);
      const result = await runTcpCheck(spec, { ...LOCAL, ca: trusted.cert });
      assert.equal(result.outcome, 'up', result.message ?? '');
      assert.equal(typeof result.timings.connectMs, 'number');
      assert.equal(typeof result.timings.tlsMs, 'number');
      const sum = Math.round((result.timings.connectMs! + result.timings.tlsMs!) * 10) / 10;
      assert.equal(result.latencyMs, sum);
      assert.equal(result.certificateExpiresAt, expiryOf(trusted.cert));
      assert.deepEqual(result.assertions, [
        { type: 'connect', expected: 'open', actual: 'open', passed: true },
        { type: 'tls', expected: 'verified', actual: 'verified', passed: true },
        { type: 'certificate', actual: expiryOf(trusted.cert), passed: true },
      ]);
    });

    it('should report tls for a self-signed certificate, naming its code', async () => {
      const result = await runTcpCheck(tcpSpec(`tls://127.0.0.1:${secure.port}`), LOCAL);
      assertDown(result, 'tls', /self-signed certificate/);
      assert.equal(result.certificateExpiresAt, null);
      assert.deepEqual(result.assertions, [
        { type: 'connect', expected: 'open', actual: 'open', passed: true },
        { type: 'tls', expected: 'verified', actual: 'DEPTH_ZERO_SELF_SIGNED_CERT', passed: false },
      ]);
    });

    it('should report tls for a certificate issued to another name', async () => {
      const spec = tcpSpec(`tls://127.0.0.1:${misnamed.port}`);
      const result = await runTcpCheck(spec, { ...LOCAL, ca: misnamedCert });
      assertDown(result, 'tls', /hostname mismatch/);
      assert.equal(assertionOf(result, 'tls')?.actual, 'ERR_TLS_CERT_ALTNAME_INVALID');
    });

    it('should accept a wrong name and an unknown issuer when the monitor allows it', async () => {
      const spec = tcpSpec(`tls://127.0.0.1:${misnamed.port}`, {
        tls: { allowInvalidCertificate: true },
      });
      const result = await runTcpCheck(spec, LOCAL);
      assert.equal(result.outcome, 'up', result.message ?? '');
      assert.equal(result.certificateExpiresAt, expiryOf(misnamedCert));
      const tls = assertionOf(result, 'tls');
      assert.equal(tls?.expected, 'handshake');
      assert.equal(tls?.passed, true);
      assert.equal(typeof tls?.actual, 'string');
      assert.notEqual(tls?.actual, 'verified');
    });

    it('should report a timeout when the server accepts but never completes the handshake', async () => {
      const spec = tcpSpec(`tls://127.0.0.1:${silent.port}`, {
        intervalSeconds: 10,
        timeoutMs: 200,
      });
      const result = await runTcpCheck(spec, LOCAL);
      assertDown(result, 'timeout', /timed out after 200 ms during the TLS handshake/);
      assert.equal(typeof result.timings.connectMs, 'number');
      assert.deepEqual(assertionOf(result, 'tls'), {
        type: 'tls',
        expected: 'verified',
        actual: 'timeout',
        passed: false,
      });
    });

    it('should report tls when the port does not speak TLS', async () => {
      const plain = await listen(createServer((socket) => socket.end('220 hello\r\n')));
      try {
        const result = await runTcpCheck(tcpSpec(`tls://127.0.0.1:${plain.port}`), LOCAL);
        assertDown(result, 'tls', /TLS handshake with 127\.0\.0\.1 failed/);
      } finally {
        await plain.close();
      }
    });
  },
);
