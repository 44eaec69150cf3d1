import { JwtService } from '@nestjs/jwt';
import { BusClient, ProblemError } from '@uptime/bus';
import { RegistrySubjects } from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import type { RunningService } from '@uptime/service-host';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Counter, type Registry } from 'prom-client';
import { JWT_AUDIENCE, JWT_ISSUER } from '../../apps/gateway/src/auth/access-tokens';
import { startGateway } from '../../apps/gateway/src/bootstrap';
import { ApiClient } from '../support/api-client';
import { AppProcess } from '../support/app-process';
import { ApiStack, gatewayConfig, JWT_SECRET, NATS_URL } from '../support/services';
import { createTestDatabase, query, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

interface FieldErrors {
  title: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

describe('HTTP hardening', () => {
  let db: TestDatabase;
  let stack: ApiStack;
  let user: Awaited<ReturnType<ApiClient['newUser']>>;

  before(async () => {
    db = await createTestDatabase();
    stack = await ApiStack.start(db.url);
    user = await stack.api.newUser('hardening');
  });
  after(async () => {
    await stack?.stop();
    await db?.drop();
  });

  describe('request bodies', () => {
    it('should answer 400 problem+json to a gzip body that does not inflate', async () => {
      const res = await stack.api.request('POST', '/api/v1/auth/login', {
        rawBody: 'not gzip at all',
        headers: { 'content-encoding': 'gzip' },
      });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('content-type'), PROBLEM_JSON);
    });

    it('should answer 415 to a body in an encoding it does not support', async () => {
      const res = await stack.api.request('POST', '/api/v1/auth/login', {
        rawBody: '{}',
        headers: { 'content-encoding': 'x-unknown' },
      });
      assert.equal(res.status, 415);
    });

    it('should still read a gzip body that inflates', async () => {
      const res = await fetch(`${stack.api.baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify({ email: user.email, password: user.password })),
      });
      assert.equal(res.status, 200);
    });

    it('should answer 415 to a body that is not JSON, and never read a form post', async () => {
      const email = `form-${Date.now()}@example.test`;
      const form = await stack.api.request('POST', '/api/v1/auth/register', {
        rawBody: new URLSearchParams({ email, password: 'long enough pw' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(form.status, 415);
      assert.equal(form.headers.get('content-type'), PROBLEM_JSON);
      const text = await stack.api.request('POST', '/api/v1/auth/register', {
        rawBody: JSON.stringify({ email, password: 'long enough pw' }),
        headers: { 'content-type': 'text/plain' },
      });
      assert.equal(text.status, 415);
      const metrics = await (await fetch(`${stack.api.baseUrl}/metrics`)).text();
      const refused = metrics.match(
        /gateway_refused_requests_total\{status="415",type="\/problems\/http-415",app="gateway"\} (\d+)/,
      );
      assert.ok(Number(refused?.[1]) >= 2, 'the refusals are counted');
      // Neither created the account: registering it now succeeds.
      const json = await stack.api.post('/api/v1/auth/register', {
        email,
        password: 'long enough pw',
      });
      assert.equal(json.status, 201);
    });

    it('should read an application/*+json body as JSON', async () => {
      const res = await stack.api.request('POST', '/api/v1/auth/login', {
        rawBody: JSON.stringify({ email: user.email, password: user.password }),
        headers: { 'content-type': 'application/vnd.uptime+json' },
      });
      assert.equal(res.status, 200);
    });

    it('should answer 400 naming the field that holds a NUL or an unpaired surrogate', async () => {
      const nul = await stack.api.post<FieldErrors>(
        '/api/v1/monitors',
        { name: 'a\u0000b', url: 'https://nul.example.test/health' },
        user.accessToken,
      );
      assert.equal(nul.status, 400);
      assert.deepEqual(
        nul.body.errors?.map((e) => e.field),
        ['name'],
      );
      // JSON.stringify would escape the surrogate; the raw text carries it as the client sent it.
      const lone = await stack.api.request<FieldErrors>('POST', '/api/v1/monitors', {
        token: user.accessToken,
        rawBody:
          '{"name":"ok","url":"https://lone.example.test/health","headers":{"X-Test":"\\ud800"}}',
      });
      assert.equal(lone.status, 400);
      assert.deepEqual(
        lone.body.errors?.map((e) => e.field),
        ['headers.X-Test'],
      );
    });

    it('should answer 400 to a NUL sent to the registry over NATS, not store or crash on it', async () => {
      const bus = BusClient.connect(NATS_URL, 'hardening-test');
      try {
        const err = await bus
          .request(RegistrySubjects.createMonitor, {
            ownerId: user.id,
            body: { name: 'a\u0000b', url: 'https://nats-nul.example.test/health' },
          })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        assert.ok(err instanceof ProblemError, String(err));
        assert.equal(err.problem.status, 400);
        assert.deepEqual(
          err.problem.errors?.map((e) => e.field),
          ['body.name'],
        );
      } finally {
        await bus.close();
      }
    });

    it('should answer 400 naming the field of a body nested 5,000 deep', async () => {
      // Written out by hand: JSON.stringify itself gives up at this depth.
      const config = `${'{"a":'.repeat(5000)}{}${'}'.repeat(5000)}`;
      const res = await stack.api.request<FieldErrors>('POST', '/api/v1/channels', {
        token: user.accessToken,
        rawBody: `{"name":"deep","type":"webhook","config":${config}}`,
      });
      assert.equal(res.status, 400);
      const [error] = res.body.errors ?? [];
      assert.match(error?.field ?? '', /^config(\.a)+$/);
      assert.match(error?.message ?? '', /nested deeper than 32 levels/);
    });

    it('should say a login password is too long, not that it is not a string', async () => {
      const res = await stack.api.post<FieldErrors>('/api/v1/auth/login', {
        email: user.email,
        password: 'x'.repeat(1025),
      });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.errors, [
        { field: 'password', message: 'must be at most 1024 characters' },
      ]);
    });
  });

  describe('access tokens', () => {
    const sign = (expiresIn?: number) =>
      new JwtService().sign(
        { sub: user.id, email: user.email },
        {
          secret: JWT_SECRET,
          algorithm: 'HS256',
          issuer: JWT_ISSUER,
          audience: JWT_AUDIENCE,
          ...(expiresIn ? { expiresIn } : {}),
        },
      );

    it('should refuse a token that never expires', async () => {
      assert.equal((await stack.api.get('/api/v1/auth/me', sign(600))).status, 200);
      const res = await stack.api.get('/api/v1/auth/me', sign());
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('content-type'), PROBLEM_JSON);
    });
  });

  describe('response headers', () => {
    it('should tell browsers never to sniff a type, on answers and errors alike', async () => {
      for (const path of ['/health/live', '/api/v1/auth/me', '/api/v1/nowhere', '/metrics']) {
        const res = await fetch(`${stack.api.baseUrl}${path}`);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      }
    });

    it('should forbid caching a login or a refresh answer', async () => {
      const login = await stack.api.post<{ refreshToken: string }>('/api/v1/auth/login', {
        email: user.email,
        password: user.password,
      });
      assert.equal(login.status, 200);
      assert.equal(login.headers.get('cache-control'), 'no-store');
      const refresh = await stack.api.post('/api/v1/auth/refresh', {
        refreshToken: login.body.refreshToken,
      });
      assert.equal(refresh.status, 200);
      assert.equal(refresh.headers.get('cache-control'), 'no-store');
    });

    it('should serve /docs under a strict content policy that its own assets satisfy', async () => {
      const res = await fetch(`${stack.api.baseUrl}/docs`);
      assert.equal(res.status, 200);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /object-src 'none'/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      const html = await res.text();
      // No inline script: every script is a file from /docs, which 'self' allows.
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      assert.ok(scripts.length >= 3);
      for (const [, attributes, body] of scripts) {
        assert.match(attributes ?? '', /src=/);
        assert.equal(body?.trim(), '');
      }
      const assets = [...html.matchAll(/(?:src|href)=["']([^"']+\.(?:js|css))["']/g)].map(
        (m) => m[1]!,
      );
      assert.ok(assets.length >= 4, assets.join(', '));
      for (const asset of assets) {
        assert.ok(!/^[a-z]+:/i.test(asset), `${asset} is not from /docs`);
        const url = new URL(asset, `${stack.api.baseUrl}/docs`);
        const file = await fetch(url);
        assert.equal(file.status, 200, asset);
        // With nosniff, a browser runs a script or applies a style only under its own type.
        const type = file.headers.get('content-type') ?? '';
        assert.match(type, asset.endsWith('.js') ? /javascript/ : /text\/css/, asset);
        await file.arrayBuffer();
      }
    });

    it('should keep the API out of frames and give it no content to load', async () => {
      const res = await fetch(`${stack.api.baseUrl}/health/live`);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
    });
  });

  describe('metrics port', () => {
    let gateway: RunningService;

    before(async () => {
      gateway = await startGateway(gatewayConfig({ metrics: { port: 0, host: '127.0.0.1' } }));
    });
    after(async () => {
      await gateway?.close();
    });

    it('should serve /metrics only on the metrics port', async () => {
      const registry = gateway.app.get<Registry>(TELEMETRY, { strict: false });
      new Counter({
        name: 'hardening_marker_total',
        help: 'marks this app',
        registers: [registry],
      }).inc();
      const publicUrl = gateway.url!.replace('[::1]', '127.0.0.1');
      const onPublic = await fetch(`${publicUrl}/metrics`);
      assert.equal(onPublic.status, 404);
      assert.equal(onPublic.headers.get('content-type'), PROBLEM_JSON);
      assert.doesNotMatch(await onPublic.text(), /hardening_marker_total/);
      assert.match(gateway.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      const onMetrics = await fetch(`${gateway.metricsUrl}/metrics`);
      assert.equal(onMetrics.status, 200);
      assert.match(await onMetrics.text(), /hardening_marker_total\{app="gateway"\} 1/);
      assert.equal((await fetch(`${gateway.metricsUrl}/api/v1/auth/me`)).status, 404);
    });
  });

  describe('trusted proxies', () => {
    let gateway: RunningService;
    let port: number;

    before(async () => {
      // 127.0.0.2 plays the proxy; a client on 127.0.0.1 is not one.
      gateway = await startGateway(
        gatewayConfig({ trustedProxies: ['127.0.0.2'], authRateLimitPerMinute: 2 }),
      );
      port = Number(new URL(gateway.url!.replace('[::1]', '127.0.0.1')).port);
    });
    after(async () => {
      await gateway?.close();
    });

    const login = (from: string, forwardedFor: string) =>
      postFrom(
        from,
        port,
        '/api/v1/auth/login',
        { email: 'x@example.test', password: 'x' },
        {
          'x-forwarded-for': forwardedFor,
        },
      );

    it('should key the auth rate limit on the peer when the peer is no trusted proxy', async () => {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await login('127.0.0.1', `198.51.100.${i + 1}`));
      assert.equal(statuses[2], 429, statuses.join(', '));
    });

    it('should key it on the forwarded client when a trusted proxy sends it', async () => {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await login('127.0.0.2', `203.0.113.${i + 1}`));
      assert.ok(!statuses.includes(429), statuses.join(', '));
      // The same forwarded client again and again is still limited.
      const same = [];
      for (let i = 0; i < 3; i++) same.push(await login('127.0.0.2', '203.0.113.200'));
      assert.equal(same[2], 429, same.join(', '));
    });
  });
});

describe('logs of separate app processes', () => {
  const SECRET = `Bearer s3cr3t-${Math.random().toString(36).slice(2, 12)}`;
  const FORGED = '[Nest] 1 - forged';
  let db: TestDatabase;
  let registry: AppProcess | undefined;
  let gateway: AppProcess | undefined;
  let api: ApiClient;
  let registryUrl: string;

  before(async () => {
    db = await createTestDatabase();
    const common = { NATS_URL, LOG_LEVEL: 'info' };
    const registryPort = await freePort();
    registry = AppProcess.start('monitor-registry', {
      ...common,
      DATABASE_URL: db.url,
      PORT: String(registryPort),
    });
    await registry.waitReady(`http://127.0.0.1:${registryPort}`);
    registryUrl = `http://127.0.0.1:${registryPort}`;
    const gatewayPort = await freePort();
    gateway = AppProcess.start('gateway', {
      ...common,
      JWT_SECRET,
      HOST: '127.0.0.1',
      PORT: String(gatewayPort),
    });
    api = new ApiClient(`http://127.0.0.1:${gatewayPort}`);
    await gateway.waitReady(api.baseUrl);
  });
  after(async () => {
    await gateway?.stop();
    await registry?.stop();
    await db?.drop();
  });

  it("should log a refused insert by its SQL state, never the statement's values", async () => {
    const owner = await api.newUser('logs');
    // Every new monitor now breaks a constraint, as a real schema drift or bug would.
    await query(
      db.url,
      'alter table registry.monitors add constraint refuse_all check (false) not valid',
    );
    const res = await api.post(
      '/api/v1/monitors',
      {
        name: `x\r\n${FORGED}`,
        url: 'https://refused.example.test/health',
        headers: { Authorization: SECRET },
      },
      owner.accessToken,
    );
    assert.equal(res.status, 503);
    const output = () => `${registry!.stdout}${registry!.stderr}`;
    await waitFor('the refused insert in the registry log', () => output().includes('23514'));
    for (const app of [registry!, gateway!]) {
      const text = `${app.stdout}${app.stderr}`;
      assert.ok(!text.includes(SECRET), `${app.name} logged the header value`);
      assert.ok(!text.includes('refused.example.test'), `${app.name} logged the statement`);
      const forged = text.split(/\r\n|\r|\n/).filter((line) => line.startsWith(FORGED));
      assert.deepEqual(forged, [], `${app.name} printed a forged line`);
    }
    assert.match(output(), /SQLSTATE 23514, constraint refuse_all/);
  });

  it('should tell browsers never to sniff the type of any app answer', async () => {
    for (const path of ['/health/live', '/metrics', '/nowhere']) {
      const res = await fetch(`${registryUrl}${path}`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    }
  });

  it('should not echo a bad JWT_SECRET when the gateway refuses to start', async () => {
    const secret = `hunter2-${Math.random().toString(36).slice(2, 10)}`;
    const app = AppProcess.start('gateway', { NATS_URL, JWT_SECRET: secret, PORT: '0' });
    assert.equal(await app.exitCode(), 1);
    assert.match(app.stderr, /JWT_SECRET: must be at least 32 characters/);
    assert.ok(!app.stderr.includes(secret), app.stderr);
  });
});

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** POSTs JSON from a chosen loopback address (fetch cannot pick its source address). */
function postFrom(
  localAddress: string,
  port: number,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
