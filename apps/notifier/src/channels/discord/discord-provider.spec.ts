import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TargetPolicy } from '@uptime/target-guard';
import { DeliveryError, validateChannelConfig } from '../channel-provider';
import { type ReceivedRequest, type Receiver, sampleAlert, startReceiver } from '../test-support';
import { type DiscordMessage, DiscordProvider, discordMessage } from './discord-provider';

const HOOK_PATH = '/api/webhooks/1234567890123456789/s3cr3t-T0ken_Value';
const LIMITED_PATH = '/api/webhooks/1234567890123456789/rate-limited-token';

/**
 * Stands in for discord.com's execute-webhook: 204 for a body with content or embeds (each
 * embed within Discord's limits), 400 otherwise, 404 `Unknown Webhook` for another token, and a
 * 429 whose JSON body carries `retry_after` in seconds, as Discord's rate limits do.
 */
function discordAnswer(req: ReceivedRequest): {
  status: number;
  body?: string;
  headers?: Record<string, string>;
} {
  const json = { 'content-type': 'application/json' };
  if (req.path === LIMITED_PATH) {
    return {
      status: 429,
      headers: json,
      body: '{"message":"You are being rate limited.","retry_after":2.5,"global":false}',
    };
  }
  if (req.path !== HOOK_PATH)
    return { status: 404, headers: json, body: '{"message":"Unknown Webhook","code":10015}' };
  const message = JSON.parse(req.body) as Partial<DiscordMessage>;
  const embedsValid = (message.embeds ?? []).every(
    (e) =>
      e.title.length <= 256 &&
      e.fields.length <= 25 &&
      e.fields.every((f) => f.value.length <= 1024),
  );
  const valid = (!!message.content || (message.embeds?.length ?? 0) > 0) && embedsValid;
  return valid
    ? { status: 204 }
    : { status: 400, headers: json, body: '{"message":"Cannot send an empty message"}' };
}

describe('DiscordProvider.send', () => {
  let receiver: Receiver;
  const provider = new DiscordProvider({
    timeoutMs: 2000,
    targets: new TargetPolicy({ allowPrivate: true }),
  });

  before(async () => {
    receiver = await startReceiver(discordAnswer);
  });
  after(async () => {
    await provider.close();
    await receiver.close();
  });

  it('should post an embed with the subject, a colour, the facts and the time', async () => {
    await provider.send({ webhookUrl: `${receiver.url}${HOOK_PATH}` }, sampleAlert());
    const request = receiver.requests.at(-1);
    assert.ok(request);
    assert.equal(request.headers['content-type'], 'application/json');
    const message = JSON.parse(request.body) as DiscordMessage;
    assert.equal(message.content, '\\[DOWN\\] Checkout API is down');
    assert.deepEqual(message.allowed_mentions, { parse: [] });
    const [embed] = message.embeds;
    assert.ok(embed);
    assert.equal(embed.title, '\\[DOWN\\] Checkout API is down');
    assert.equal(embed.url, sampleAlert().monitorLink);
    assert.equal(embed.color, 0xd93f0b);
    assert.equal(embed.timestamp, '2025-03-01T12:00:00.000Z');
    assert.deepEqual(
      embed.fields.map((f) => f.name),
      ['Monitor', 'Status', 'Cause', 'Started', 'URL'],
    );
    assert.equal(embed.fields[2]!.value, 'HTTP status 503, expected 200-299');
  });

  it('should keep a monitor named @everyone from pinging anyone', () => {
    const message = discordMessage(
      sampleAlert({ monitor: { id: 'm', name: '@everyone **now**', url: 'https://a.test' } }),
    );
    assert.deepEqual(message.allowed_mentions.parse, []);
    assert.equal(message.embeds[0]!.fields[0]!.value, '\\@everyone \\*\\*now\\*\\*');
  });

  it('should wait as long as a 429 asks (retry_after) and report an unknown webhook as permanent', async () => {
    await assert.rejects(
      provider.send({ webhookUrl: `${receiver.url}${LIMITED_PATH}` }, sampleAlert()),
      (err: unknown) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.status, 429);
        assert.equal(err.retryable, true);
        assert.equal(err.retryAfterMs, 2500);
        assert.equal(err.message, 'Discord answered HTTP 429 Too Many Requests (retry after 3 s)');
        return true;
      },
    );
    const unknown = HOOK_PATH.replace('s3cr3t-T0ken_Value', 'an0ther-T0ken');
    await assert.rejects(
      provider.send({ webhookUrl: `${receiver.url}${unknown}` }, sampleAlert()),
      (err: unknown) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.retryable, false);
        assert.equal(err.message, 'Discord answered HTTP 404 Not Found');
        return true;
      },
    );
  });

  it('should refuse a loopback URL without contacting it when private targets are not allowed', async () => {
    const guarded = new DiscordProvider({ timeoutMs: 2000 });
    const before = receiver.requests.length;
    try {
      await assert.rejects(
        guarded.send({ webhookUrl: `${receiver.url}${HOOK_PATH}` }, sampleAlert()),
        (err: unknown) => {
          assert.ok(err instanceof DeliveryError);
          assert.match(err.message, /^Discord URL refused \(blocked_target\)/);
          assert.ok(!err.message.includes('s3cr3t-T0ken_Value'));
          return true;
        },
      );
      assert.equal(receiver.requests.length, before, 'the receiver must not be contacted');
    } finally {
      await guarded.close();
    }
  });
});

describe('DiscordProvider config', () => {
  const provider = new DiscordProvider({ targets: new TargetPolicy({ allowPrivate: true }) });
  const cases: [string, unknown, string[]][] = [
    ['a discord.com webhook', { webhookUrl: `https://discord.com${HOOK_PATH}` }, []],
    ['a discordapp.com webhook', { webhookUrl: `https://discordapp.com${HOOK_PATH}` }, []],
    ['a local stand-in over http', { webhookUrl: `http://127.0.0.1:9${HOOK_PATH}` }, []],
    [
      'another host',
      { webhookUrl: `https://discord.example.com${HOOK_PATH}` },
      ['config.webhookUrl'],
    ],
    [
      'another path',
      { webhookUrl: 'https://discord.com/api/channels/1/messages' },
      ['config.webhookUrl'],
    ],
    [
      'plain http to discord',
      { webhookUrl: `http://discord.com${HOOK_PATH}` },
      ['config.webhookUrl'],
    ],
    ['no URL', {}, ['config.webhookUrl']],
  ];
  for (const [what, config, fields] of cases) {
    it(`should ${fields.length ? `reject ${what}, naming ${fields.join(', ')}` : `accept ${what}`}`, () => {
      const result = validateChannelConfig(provider, config);
      assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.field), fields);
    });
  }

  it('should never show the webhook URL', () => {
    assert.deepEqual(provider.redact({ webhookUrl: `https://discord.com${HOOK_PATH}` }), {});
  });
});
