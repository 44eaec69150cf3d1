import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, type Socket, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckAssertion, MonitorCreateInput } from '@uptime/contracts';
import { TargetPolicy } from '@uptime/target-guard';
import { probeSpecFixture } from '../../../test/support/factories';
import { type HttpCheckOptions, runHttpCheck } from './http-check';
import { MAX_ASSERTION_VALUE_CHARS } from './bounded-value';

/**
 * The structured side of a check result: one assertion per rule the monitor configures, and for
 * a connection that failed the step that failed. Checked against real loopback servers.
 */

const LOCAL: HttpCheckOptions = { targets: new TargetPolicy({ allowPrivate: true }) };
const BODY = { status: 'healthy', count: 2, blob: 'x'.repeat(2000) };

/** `/ok` answers BODY; `/status/N` answers N; `/slow/N` answers after N ms; `/hang` never does. */
async function startTarget(tls?: { key: Buffer; cert: Buffer }): Promise<{
  origin: string;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const server: Server = tls ? createHttpsServer(tls) : createServer();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('request', (req, res) => {
    const [, route = '', arg = ''] = (req.url ?? '/').split('/');
    const send = (status: number) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(BODY));
    };
    if (route === 'status') return send(Number(arg));
    if (route === 'slow') return void setTimeout(() => send(200), Number(arg)).unref();
    if (route === 'hang') return;
    send(200);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const check = (url: string, overrides: Partial<MonitorCreateInput> = {}, options = LOCAL) =>
  runHttpCheck(probeSpecFixture({ url, ...overrides }), options);

describe('check assertions over HTTP', () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    await target.close();
  });

  it('should list only the status rule for a monitor with no other rules', async () => {
    const result = await check(`${target.origin}/ok`);
    assert.deepEqual(result.assertions, [
      { type: 'status', expected: ['200-299'], actual: 200, passed: true },
    ]);
  });

  it('should list every configured rule, failed ones included, in the order they apply', async () => {
    const result = await check(`${target.origin}/status/503`, {
      expectedStatus: ['200-299'],
      keyword: { value: 'healthy', mode: 'absent' },
      assertions: [
        { type: 'jsonPath', path: '$.status', operator: 'equals', value: 'healthy' },
        { type: 'jsonPath', path: '$.count', operator: 'greaterThan', value: 5 },
        { type: 'jsonPath', path: '$.missing', operator: 'exists' },
      ],
      maxLatencyMs: 60_000,
    });
    assert.equal(result.outcome, 'down');
    assert.equal(result.errorKind, 'http_status', 'the first broken rule names the error');
    const [latency, ...rest] = result.assertions.slice().reverse();
    assert.deepEqual(rest.reverse(), [
      { type: 'status', expected: ['200-299'], actual: 503, passed: false },
      { type: 'keyword', target: 'absent', expected: 'healthy', actual: 'found', passed: false },
      {
        type: 'json_path',
        target: '$.status',
        expected: { operator: 'equals', value: 'healthy' },
        actual: 'healthy',
        passed: true,
      },
      {
        type: 'json_path',
        target: '$.count',
        expected: { operator: 'greaterThan', value: 5 },
        actual: 2,
        passed: false,
      },
      { type: 'json_path', target: '$.missing', expected: { operator: 'exists' }, passed: false },
    ]);
    assert.equal(latency?.type, 'latency');
    assert.equal(latency?.expected, 60_000);
    assert.equal(latency?.actual, result.latencyMs);
    assert.equal(latency?.passed, true);
  });

  it('should cut a long actual value to the stored limit', async () => {
    const result = await check(`${target.origin}/ok`, {
      assertions: [{ type: 'jsonPath', path: '$.blob', operator: 'equals', value: 'short' }],
    });
    const [, blob] = result.assertions;
    assert.equal(blob?.passed, false);
    assert.equal(typeof blob?.actual, 'string');
    assert.equal(String(blob?.actual).length, MAX_ASSERTION_VALUE_CHARS);
    assert.ok(String(blob?.actual).endsWith('...'));
  });

  it('should fail the latency assertion of a degraded check', async () => {
    const result = await check(`${target.origin}/slow/200`, { maxLatencyMs: 50 });
    assert.equal(result.outcome, 'degraded');
    const latency = result.assertions.find((a) => a.type === 'latency');
    assert.deepEqual(latency, {
      type: 'latency',
      expected: 50,
      actual: result.latencyMs,
      passed: false,
    });
  });

  it('should name the phase and the limit of a timeout', async () => {
    const result = await check(`${target.origin}/hang`, { timeoutMs: 200 });
    assert.equal(result.errorKind, 'timeout');
    assert.deepEqual(result.assertions, [
      { type: 'latency', target: 'response', expected: 200, passed: false },
    ]);
  });

  it('should report a refused connection as a failed connect with its code', async () => {
    const server = createTcpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await check(`http://127.0.0.1:${port}/`);
    assert.equal(result.errorKind, 'connect');
    assert.deepEqual(result.assertions, [
      { type: 'connect', target: `127.0.0.1:${port}`, actual: 'ECONNREFUSED', passed: false },
    ]);
  });

  it('should report a failed DNS lookup as a failed connect naming the host', async () => {
    const result = await check('http://assertions-test.invalid/');
    assert.equal(result.errorKind, 'dns');
    assert.deepEqual(result.assertions, [
      { type: 'connect', target: 'assertions-test.invalid', actual: 'ENOTFOUND', passed: false },
    ]);
  });
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe(
  'check assertions over HTTPS',
  { skip: hasOpenssl ? false : 'the openssl CLI is not available' },
  () => {
    let dir: string;
    let trusted: { key: Buffer; cert: Buffer };
    let target: Awaited<ReturnType<typeof startTarget>>;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'probe-assertions-tls-'));
      const key = join(dir, 'loopback.key');
      const cert = join(dir, 'loopback.crt');
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
          .concat(['-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=loopback'])
          .concat(['-addext', 'subjectAltName=IP:127.0.0.1']),
        { stdio: 'ignore' },
      );
      trusted = { key: readFileSync(key), cert: readFileSync(cert) };
      target = await startTarget(trusted);
    });

    after(async () => {
      await target?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('should list a passed certificate with its expiry before the rules', async () => {
      const result = await check(`${target.origin}/ok`, {}, { ...LOCAL, ca: trusted.cert });
      const validTo = new Date(new X509Certificate(trusted.cert).validTo).toISOString();
      assert.deepEqual(result.assertions, [
        { type: 'certificate', actual: validTo, passed: true },
        { type: 'status', expected: ['200-299'], actual: 200, passed: true },
      ] satisfies CheckAssertion[]);
    });

    it('should report a refused certificate as a failed tls step with its code', async () => {
      const result = await check(`${target.origin}/ok`);
      assert.equal(result.errorKind, 'tls');
      assert.deepEqual(result.assertions, [
        { type: 'tls', target: '127.0.0.1', actual: 'DEPTH_ZERO_SELF_SIGNED_CERT', passed: false },
      ]);
    });
  },
);
