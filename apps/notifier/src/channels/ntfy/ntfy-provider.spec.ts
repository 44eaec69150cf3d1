import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TargetPolicy } from '@uptime/target-guard';
import { DeliveryError, validateChannelConfig } from '../channel-provider';
import { type ReceivedRequest, type Receiver, sampleAlert, startReceiver } from '../test-support';
import { type NtfyPublish, NtfyProvider } from './ntfy-provider';

const TOKEN = 'tk_s3cr3tAccessT0kenValue0123456';
/** Validation alone opens no connection: one provider serves every spec. */
const validator = new NtfyProvider({ targets: new TargetPolicy({ allowPrivate: true }) });

/**
 * Stands in for an ntfy server: a JSON publish to the root needs a `topic` and answers 200 with
 * the message event; the `private` topic needs `Authorization: Bearer <token>` (else 403), as
 * ntfy's access control does; priorities outside 1–5 are refused (400).
 */
function ntfyAnswer(req: ReceivedRequest): {
  status: number;
  body?: string;
  headers?: Record<string, string>;
} {
  if (req.method !== 'POST' || req.path !== '/') return { status: 404 };
  const publish = JSON.parse(req.body) as Partial<NtfyPublish>;
  if (typeof publish.topic !== 'string' || !/^[-_A-Za-z0-9]{1,64}$/.test(publish.topic))
    return { status: 400 };
  if (publish.priority !== undefined && !(publish.priority >= 1 && publish.priority <= 5))
    return { status: 400 };
  if (publish.topic === 'private' && req.headers.authorization !== `Bearer ${TOKEN}`) {
    return { status: 403, body: '{"code":40301,"http":403,"error":"forbidden"}' };
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id: 'x1',
      event: 'message',
      topic: publish.topic,
      message: publish.message,
    }),
  };
}

describe('NtfyProvider.send', () => {
  let receiver: Receiver;
  const provider = new NtfyProvider({
    timeoutMs: 2000,
    targets: new TargetPolicy({ allowPrivate: true }),
  });

  before(async () => {
    receiver = await startReceiver(ntfyAnswer);
  });
  after(async () => {
    await provider.close();
    await receiver.close();
  });

  const lastPublish = () => {
    const request = receiver.requests.at(-1);
    assert.ok(request);
    return { request, publish: JSON.parse(request.body) as NtfyPublish };
  };

  it('should publish JSON to the server root with title, priority, tags and a click link', async () => {
    await provider.send(
      validConfig({ serverUrl: `${receiver.url}/`, topic: 'uptime-ops' }),
      sampleAlert(),
    );
    const { request, publish } = lastPublish();
    assert.equal(request.path, '/');
    assert.equal(request.headers.authorization, undefined, 'no token, no authorization');
    assert.equal(publish.topic, 'uptime-ops');
    assert.equal(publish.title, '[DOWN] Checkout API is down');
    assert.equal(publish.priority, 4);
    assert.deepEqual(publish.tags, ['rotating_light', 'uptime']);
    assert.equal(publish.click, sampleAlert().monitorLink);
    assert.match(publish.message, /^Status: Down\nCause: HTTP status 503, expected 200-299\n/);
    assert.deepEqual(publish.actions, [
      { action: 'view', label: 'Open monitor', url: sampleAlert().monitorLink },
    ]);
  });

  it('should send the access token as a bearer, and recoveries at the default priority', async () => {
    const config = validConfig({
      serverUrl: receiver.url,
      topic: 'private',
      accessToken: TOKEN,
      priority: 5,
    });
    await provider.send(config, sampleAlert());
    assert.equal(lastPublish().request.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(lastPublish().publish.priority, 5);
    const incident = { ...sampleAlert().incident!, resolvedAt: '2025-03-01T12:04:12.000Z' };
    await provider.send(config, sampleAlert({ kind: 'up', incident, durationMs: 252_000 }));
    assert.equal(lastPublish().publish.priority, 3);
    assert.deepEqual(lastPublish().publish.tags, ['white_check_mark', 'uptime']);
  });

  it('should report a refused token as permanent, without the token', async () => {
    const config = validConfig({
      serverUrl: receiver.url,
      topic: 'private',
      accessToken: 'tk_wrongTokenValue',
    });
    await assert.rejects(provider.send(config, sampleAlert()), (err: unknown) => {
      assert.ok(err instanceof DeliveryError);
      assert.equal(err.status, 403);
      assert.equal(err.retryable, false);
      assert.equal(err.message, 'ntfy answered HTTP 403 Forbidden');
      return true;
    });
  });

  it('should refuse a loopback server without contacting it when private targets are not allowed', async () => {
    const guarded = new NtfyProvider({ timeoutMs: 2000 });
    const before = receiver.requests.length;
    try {
      const config = validConfig({ serverUrl: receiver.url, topic: 'private', accessToken: TOKEN });
      await assert.rejects(guarded.send(config, sampleAlert()), (err: unknown) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.retryable, false);
        assert.match(err.message, /^ntfy URL refused \(blocked_target\)/);
        assert.ok(!err.message.includes(TOKEN));
        return true;
      });
      assert.equal(receiver.requests.length, before, 'the server must not be contacted');
    } finally {
      await guarded.close();
    }
  });
});

describe('NtfyProvider config', () => {
  const cases: [string, unknown, string[]][] = [
    ['a topic on ntfy.sh', { topic: 'uptime-ops' }, []],
    [
      'a server, a topic, a token and a priority',
      { serverUrl: 'https://ntfy.example.com/', topic: 'a_b', accessToken: TOKEN, priority: 2 },
      [],
    ],
    ['a topic with a slash', { topic: 'a/b' }, ['config.topic']],
    ['no topic', {}, ['config.topic']],
    [
      'a server URL with a query',
      { serverUrl: 'https://ntfy.sh/?x=1', topic: 'a' },
      ['config.serverUrl'],
    ],
    [
      'a server URL with credentials',
      { serverUrl: 'https://u:p@ntfy.sh', topic: 'a' },
      ['config.serverUrl'],
    ],
    ['a server that is not http', { serverUrl: 'ftp://ntfy.sh', topic: 'a' }, ['config.serverUrl']],
    [
      'a self-hosted server over http without a token',
      { serverUrl: 'http://ntfy.example.com', topic: 'a' },
      [],
    ],
    [
      'a token sent over plain http',
      { serverUrl: 'http://ntfy.example.com', topic: 'a', accessToken: TOKEN },
      ['config.serverUrl'],
    ],
    ['priority 6', { topic: 'a', priority: 6 }, ['config.priority']],
    ['a short token', { topic: 'a', accessToken: 'tk' }, ['config.accessToken']],
  ];
  for (const [what, config, fields] of cases) {
    it(`should ${fields.length ? `reject ${what}, naming ${fields.join(', ')}` : `accept ${what}`}`, () => {
      const result = validateChannelConfig(validator, config);
      assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.field), fields);
    });
  }

  it('should default to ntfy.sh at priority 4 and never show the token', () => {
    const config = validConfig({ topic: 'uptime-ops', accessToken: TOKEN });
    assert.deepEqual(validator.redact(config), {
      serverUrl: 'https://ntfy.sh',
      topic: 'uptime-ops',
      priority: 4,
    });
  });

  it('should refuse a private server address when private targets are not allowed', () => {
    const result = validateChannelConfig(new NtfyProvider(), {
      serverUrl: 'http://10.0.0.5',
      topic: 'a',
    });
    assert.ok(!result.ok);
    assert.equal(result.errors[0]?.field, 'config.serverUrl');
  });
});

function validConfig(config: unknown) {
  const result = validateChannelConfig(validator, config);
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}
