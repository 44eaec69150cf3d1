import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TargetPolicy } from '@uptime/target-guard';
import { DeliveryError, validateChannelConfig } from '../channel-provider';
import { type Receiver, sampleAlert, startReceiver } from '../test-support';
import {
  WEBHOOK_PAYLOAD_EXAMPLE,
  type WebhookConfig,
  WebhookProvider,
  signWebhook,
  verifyWebhookSignature,
  webhookPayload,
} from './webhook-provider';

const SECRET = 'whsec-0123456789abcdef';

function configFor(receiver: Receiver, path = '/hooks/uptime'): WebhookConfig {
  return { url: `${receiver.url}${path}`, secret: SECRET };
}

/** The receivers below listen on loopback, which a deployment must allow explicitly. */
const LOOPBACK_ALLOWED = new TargetPolicy({ allowPrivate: true });

describe('WebhookProvider.send', () => {
  let receiver: Receiver;
  const provider = new WebhookProvider({ timeoutMs: 500, targets: LOOPBACK_ALLOWED });

  before(async () => {
    receiver = await startReceiver((req) => {
      if (req.path === '/fails') return { status: 500, body: 'database on fire' };
      if (req.path === '/moved') return { status: 302, headers: { location: '/hooks/uptime' } };
      if (req.path === '/slow') return 'hang';
      return { status: 204 };
    });
  });
  after(async () => {
    await provider.close();
    await receiver.close();
  });

  it('should post a signed payload that the receiver can verify', async () => {
    const message = sampleAlert({ kind: 'up', durationMs: 252_000 });
    await provider.send(configFor(receiver), message);

    const request = receiver.requests.at(-1);
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/hooks/uptime');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['user-agent'], 'uptime-platform-notifier/1.0');
    assert.match(String(request.headers['x-signature-timestamp']), /^\d+$/);
    assert.match(String(request.headers['x-signature-256']), /^sha256=[0-9a-f]{64}$/);
    assert.equal(verifyWebhookSignature(SECRET, request.headers, request.body), true);

    const payload: unknown = JSON.parse(request.body);
    assert.deepEqual(payload, {
      event: 'alert',
      alert: { id: message.alertId, kind: 'up', escalationStep: null },
      monitor: message.monitor,
      incident: {
        ...message.incident,
        cause: {
          outcome: 'down',
          errorKind: 'http_status',
          httpStatus: 503,
          latencyMs: 182,
          assertions: [{ type: 'status', expected: ['200-299'], actual: 503, passed: false }],
          message: 'HTTP status 503, expected 200-299',
        },
      },
      occurredAt: message.occurredAt,
      durationMs: 252_000,
      link: message.monitorLink,
    });
  });

  it('should carry the escalation step of an alert an escalation step sent', async () => {
    const message = sampleAlert({ kind: 'down', escalation: { step: 1, afterMinutes: 10 } });
    await provider.send(configFor(receiver), message);
    const payload = JSON.parse(receiver.requests.at(-1)!.body) as { alert: unknown };
    assert.deepEqual(payload.alert, { id: message.alertId, kind: 'down', escalationStep: 1 });
  });

  it("should report a 500 answer by its status alone, never the receiver's body", async () => {
    const failure = await provider.send(configFor(receiver, '/fails'), sampleAlert()).then(
      () => null,
      (err: unknown) => err,
    );
    assert.ok(failure instanceof DeliveryError);
    assert.equal(failure.status, 500);
    assert.equal(failure.retryable, true);
    assert.equal(failure.message, 'webhook answered HTTP 500 Internal Server Error');
    assert.ok(!failure.message.includes('fire'));
  });

  it('should not follow a redirect', async () => {
    const before = receiver.requests.length;
    await assert.rejects(provider.send(configFor(receiver, '/moved'), sampleAlert()), (err) => {
      assert.ok(err instanceof DeliveryError);
      assert.equal(err.status, 302);
      assert.equal(err.retryable, false);
      assert.equal(err.message, 'webhook answered HTTP 302 Found (redirects are not followed)');
      return true;
    });
    assert.equal(receiver.requests.length, before + 1);
  });

  it('should give up on a receiver that does not answer in time', async () => {
    await assert.rejects(
      provider.send(configFor(receiver, '/slow'), sampleAlert()),
      (err: unknown) =>
        err instanceof DeliveryError && /did not answer within 500 ms/.test(err.message),
    );
  });

  it('should report a receiver that cannot be reached', async () => {
    const port = await closedPort();
    await assert.rejects(
      provider.send({ url: `http://127.0.0.1:${port}/`, secret: SECRET }, sampleAlert()),
      (err: unknown) =>
        err instanceof DeliveryError &&
        /could not be reached.*ECONNREFUSED/.test(err.message) &&
        err.retryable,
    );
  });
});

describe('WebhookProvider target guard', () => {
  // One receiver per loopback address, so that each URL below would really reach one of them.
  let v4: Receiver;
  let second: Receiver;
  let v6: Receiver;
  const open = new WebhookProvider({ timeoutMs: 2000, targets: LOOPBACK_ALLOWED });
  const guarded = new WebhookProvider({ timeoutMs: 2000, targets: TargetPolicy.PUBLIC_ONLY });

  before(async () => {
    v4 = await startReceiver();
    second = await startReceiver(() => ({ status: 204 }), '127.0.0.2');
    v6 = await startReceiver(() => ({ status: 204 }), '::1');
  });
  after(async () => {
    await Promise.all([open.close(), guarded.close()]);
    await Promise.all([v4.close(), second.close(), v6.close()]);
  });

  const portOf = (r: Receiver) => new URL(r.url).port;
  const cases: [string, () => Receiver, () => string, RegExp][] = [
    ['127.0.0.1', () => v4, () => `http://127.0.0.1:${portOf(v4)}/h`, /127\.0\.0\.1 is a loopback/],
    ['[::1]', () => v6, () => `http://[::1]:${portOf(v6)}/h`, /::1 is a loopback/],
    ['0.0.0.0', () => v4, () => `http://0.0.0.0:${portOf(v4)}/h`, /0\.0\.0\.0 is an unspecified/],
    [
      '2130706433 (127.0.0.1 as one number)',
      () => v4,
      () => `http://2130706433:${portOf(v4)}/h`,
      /127\.0\.0\.1 is a loopback/,
    ],
    ['127.0.0.2', () => second, () => `http://127.0.0.2:${portOf(second)}/h`, /127\.0\.0\.2 is/],
    [
      'localhost, a name that resolves to loopback',
      () => v4,
      () => `http://localhost:${portOf(v4)}/h`,
      /localhost resolves to 127\.0\.0\.1, which is a loopback/,
    ],
  ];
  for (const [what, receiver, url, reason] of cases) {
    it(`should refuse ${what} without contacting it when private targets are not allowed`, async () => {
      // The same URL reaches its receiver when loopback is allowed: the refusal below is the guard's.
      const reached = receiver().requests.length;
      await open.send({ url: url(), secret: SECRET }, sampleAlert());
      assert.equal(receiver().requests.length, reached + 1);

      await assert.rejects(guarded.send({ url: url(), secret: SECRET }, sampleAlert()), (err) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.retryable, false);
        assert.equal(err.status, null);
        assert.match(err.message, /^webhook URL refused \(blocked_target\): /);
        assert.match(err.message, reason);
        return true;
      });
      assert.equal(receiver().requests.length, reached + 1, 'the receiver must not be contacted');
    });
  }

  it('should refuse a redirect from an allowed receiver to a private address', async () => {
    const onlyFirst = new WebhookProvider({
      timeoutMs: 2000,
      targets: new TargetPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.1/32'] }),
    });
    const redirecting = await startReceiver(() => ({
      status: 307,
      headers: { location: `${second.url}/stolen` },
    }));
    try {
      const before = second.requests.length;
      await assert.rejects(onlyFirst.send(configFor(redirecting), sampleAlert()), (err) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.status, 307);
        assert.equal(
          err.message,
          'webhook answered HTTP 307 Temporary Redirect (redirects are not followed)',
        );
        return true;
      });
      assert.equal(redirecting.requests.length, 1);
      assert.equal(second.requests.length, before, 'the redirect target must not be contacted');
    } finally {
      await onlyFirst.close();
      await redirecting.close();
    }
  });
});

describe('verifyWebhookSignature', () => {
  const body = JSON.stringify(webhookPayload(sampleAlert()));
  // Read on each use: a value taken when the suite is declared goes stale while others run.
  const unixNow = () => Math.floor(Date.now() / 1000);
  const headersAt = (timestamp: number, signedBody = body, secret = SECRET) => ({
    'x-signature-timestamp': String(timestamp),
    'x-signature-256': signWebhook(secret, timestamp, signedBody),
  });

  it('should accept a fresh signature over the exact body', () => {
    assert.equal(verifyWebhookSignature(SECRET, headersAt(unixNow()), body), true);
    assert.equal(verifyWebhookSignature(SECRET, headersAt(unixNow()), Buffer.from(body)), true);
  });

  it('should read the headers from a fetch Headers object too', () => {
    assert.equal(verifyWebhookSignature(SECRET, new Headers(headersAt(unixNow())), body), true);
  });

  it('should reject a tampered body', () => {
    const tampered = body.replace('"down"', '"up"');
    assert.notEqual(tampered, body);
    assert.equal(verifyWebhookSignature(SECRET, headersAt(unixNow()), tampered), false);
  });

  it('should reject a stale or far-future timestamp', () => {
    // Margins of a minute keep a second boundary between signing and checking harmless.
    assert.equal(verifyWebhookSignature(SECRET, headersAt(unixNow() - 360), body), false);
    assert.equal(verifyWebhookSignature(SECRET, headersAt(unixNow() + 360), body), false);
    assert.equal(verifyWebhookSignature(SECRET, headersAt(unixNow() - 240), body), true);
    assert.equal(verifyWebhookSignature(SECRET, headersAt(unixNow() - 90), body, 30), false);
  });

  it('should reject a timestamp changed after signing', () => {
    const headers = { ...headersAt(unixNow() - 10), 'x-signature-timestamp': String(unixNow()) };
    assert.equal(verifyWebhookSignature(SECRET, headers, body), false);
  });

  it('should reject another secret, a missing header or a malformed signature', () => {
    assert.equal(
      verifyWebhookSignature(SECRET, headersAt(unixNow(), body, `${SECRET}x`), body),
      false,
    );
    assert.equal(verifyWebhookSignature(SECRET, { 'x-signature-256': 'sha256=00' }, body), false);
    const short = { 'x-signature-timestamp': String(unixNow()), 'x-signature-256': 'sha256=abc' };
    assert.equal(verifyWebhookSignature(SECRET, short, body), false);
  });
});

describe('WebhookProvider config', () => {
  const provider = new WebhookProvider();
  const cases: [string, unknown, string[]][] = [
    ['a good config', { url: 'https://example.com/hook', secret: SECRET }, []],
    ['a malformed URL', { url: 'not a url', secret: SECRET }, ['config.url']],
    ['a non-http URL', { url: 'ftp://example.com/hook', secret: SECRET }, ['config.url']],
    ['a short secret', { url: 'https://example.com/hook', secret: 'short' }, ['config.secret']],
    [
      'a secret over 256 characters',
      { url: 'https://example.com/hook', secret: 'x'.repeat(257) },
      ['config.secret'],
    ],
    ['a missing secret', { url: 'https://example.com/hook' }, ['config.secret']],
    [
      'an unknown field',
      { url: 'https://example.com/hook', secret: SECRET, method: 'PUT' },
      ['config.method'],
    ],
  ];
  for (const [what, config, fields] of cases) {
    it(`should ${fields.length ? `reject ${what}, naming ${fields.join(', ')}` : `accept ${what}`}`, () => {
      const result = validateChannelConfig(provider, config);
      assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.field), fields);
    });
  }

  const guardCases: [string, string, string | null][] = [
    ['127.0.0.1', 'http://127.0.0.1:8080/hook', '127.0.0.1 is a loopback address'],
    ['[::1]', 'http://[::1]:8080/hook', '::1 is a loopback address'],
    ['0.0.0.0', 'http://0.0.0.0/hook', '0.0.0.0 is an unspecified address'],
    ['2130706433', 'http://2130706433/hook', '127.0.0.1 is a loopback address'],
    ['127.1', 'http://127.1/hook', '127.0.0.1 is a loopback address'],
    ['0x7f000001', 'http://0x7f000001/hook', '127.0.0.1 is a loopback address'],
    ['[::ffff:127.0.0.1]', 'http://[::ffff:127.0.0.1]/hook', '::ffff:7f00:1 is a loopback'],
    [
      '[::ffff:169.254.169.254]',
      'http://[::ffff:a9fe:a9fe]/',
      '::ffff:a9fe:a9fe is a cloud metadata',
    ],
    ['169.254.169.254', 'http://169.254.169.254/latest', '169.254.169.254 is a cloud metadata'],
    // A name is judged when it is dialled, on the addresses DNS gives then.
    ['localhost', 'http://localhost:8080/hook', null],
  ];
  for (const [what, url, problem] of guardCases) {
    it(`should ${problem ? 'refuse' : 'leave to delivery'} ${what} when private targets are not allowed`, () => {
      const result = validateChannelConfig(provider, { url, secret: SECRET });
      if (problem === null) return assert.ok(result.ok);
      assert.ok(!result.ok);
      assert.equal(result.errors.length, 1);
      assert.equal(result.errors[0]?.field, 'config.url');
      assert.ok(result.errors[0]?.message.startsWith(problem), result.errors[0]?.message);
    });
  }

  it('should say that a missing secret is required', () => {
    const result = validateChannelConfig(provider, { url: 'https://example.com/hook' });
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [{ field: 'config.secret', message: 'is required' }]);
  });

  it('should drop the secret when redacted', () => {
    assert.deepEqual(provider.redact({ url: 'https://example.com/hook', secret: SECRET }), {
      url: 'https://example.com/hook',
    });
    assert.deepEqual(provider.secretFields, ['secret']);
  });

  it('should document the payload with an example of the same shape', () => {
    const built = webhookPayload(sampleAlert({ kind: 'up', durationMs: 252_000 }));
    assert.deepEqual(Object.keys(WEBHOOK_PAYLOAD_EXAMPLE), Object.keys(built));
    assert.deepEqual(
      Object.keys(WEBHOOK_PAYLOAD_EXAMPLE.incident ?? {}),
      Object.keys(built.incident ?? {}),
    );
  });
});

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
