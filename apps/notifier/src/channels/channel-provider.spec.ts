import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ChannelProviders,
  DeliveryError,
  scrubSecrets,
  validateChannelConfig,
  withoutSecrets,
} from './channel-provider';
import { CHANNEL_TYPE_NAMES } from '@uptime/contracts';
import { TargetPolicy } from '@uptime/target-guard';
import { retryAfterBodyMs, retryAfterHeaderMs } from './http-post';
import { createChannelProviders } from './index';
import { SlackProvider } from './slack/slack-provider';
import { WebhookProvider } from './webhook/webhook-provider';

describe('ChannelProviders', () => {
  it('should find a provider by its channel type', () => {
    const webhook = new WebhookProvider();
    const providers = new ChannelProviders([webhook, new SlackProvider()]);
    assert.equal(providers.get('webhook'), webhook);
    assert.deepEqual(
      providers.all().map((p) => p.type),
      ['webhook', 'slack'],
    );
  });

  it('should answer undefined for an unknown or unconfigured type', () => {
    const providers = new ChannelProviders([new WebhookProvider()]);
    assert.equal(providers.get('email'), undefined);
    assert.equal(providers.get('pager'), undefined);
  });

  it('should refuse two providers for one type', () => {
    assert.throws(
      () => new ChannelProviders([new WebhookProvider(), new WebhookProvider()]),
      /two channel providers for type "webhook"/,
    );
  });

  it('should leave email out when SMTP is not configured', async () => {
    const providers = createChannelProviders({ targets: TargetPolicy.PUBLIC_ONLY });
    assert.deepEqual(
      providers
        .all()
        .map((p) => p.type)
        .sort(),
      ['discord', 'msteams', 'ntfy', 'opsgenie', 'pagerduty', 'slack', 'telegram', 'webhook'],
    );
    await providers.close();
  });

  it('should have a provider for every channel type of the contract but email', async () => {
    const providers = createChannelProviders({ targets: TargetPolicy.PUBLIC_ONLY });
    for (const type of CHANNEL_TYPE_NAMES.filter((t) => t !== 'email')) {
      assert.equal(providers.get(type)?.type, type);
    }
    await providers.close();
  });

  it('should add email when SMTP is configured, and insist on a sender', async () => {
    assert.throws(
      () =>
        createChannelProviders({
          smtpUrl: 'smtp://127.0.0.1:2525',
          targets: TargetPolicy.PUBLIC_ONLY,
        }),
      /MAIL_FROM/,
    );
    const providers = createChannelProviders({
      smtpUrl: 'smtp://127.0.0.1:2525',
      mailFrom: 'alerts@example.com',
      targets: TargetPolicy.PUBLIC_ONLY,
    });
    assert.equal(providers.get('email')?.type, 'email');
    await providers.close();
  });
});

describe('validateChannelConfig', () => {
  it('should name fields from the channel body, under config', () => {
    const result = validateChannelConfig(new WebhookProvider(), { url: 'nope', extra: 1 });
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    const fields = result.errors.map((e) => e.field).sort();
    assert.deepEqual(fields, ['config.extra', 'config.secret', 'config.url']);
  });

  it('should name the whole config when it is not an object', () => {
    const result = validateChannelConfig(new SlackProvider(), 'https://hooks.slack.com/x');
    assert.ok(!result.ok);
    assert.equal(result.errors[0]?.field, 'config');
  });
});

describe('secrets', () => {
  it('should copy a config without its secret fields', () => {
    const config = { url: 'https://a.test', secret: 'x'.repeat(16) };
    assert.deepEqual(withoutSecrets(config, ['secret']), { url: 'https://a.test' });
    assert.equal(config.secret, 'x'.repeat(16), 'the original is left alone');
  });

  it('should scrub a secret and its URL-encoded form from a message', () => {
    const text = 'login p@ss/word failed for p%40ss%2Fword';
    assert.equal(scrubSecrets(text, ['p@ss/word']), 'login *** failed for ***');
  });

  it('should leave text alone for secrets too short to be credentials', () => {
    assert.equal(scrubSecrets('550 no such user', ['5', undefined]), '550 no such user');
  });

  it('should default a delivery error to retryable with no status', () => {
    const err = new DeliveryError('boom');
    assert.equal(err.retryable, true);
    assert.equal(err.status, null);
    assert.equal(err.name, 'DeliveryError');
  });
});

describe('Retry-After', () => {
  it('should read seconds and HTTP dates from the header, bounded to an hour', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    assert.equal(retryAfterHeaderMs('7', now), 7000);
    assert.equal(retryAfterHeaderMs('0.25', now), 250);
    assert.equal(retryAfterHeaderMs('Sat, 01 Mar 2025 12:00:30 GMT', now), 30_000);
    assert.equal(retryAfterHeaderMs('86400', now), 3_600_000);
    assert.equal(retryAfterHeaderMs('Sat, 01 Mar 2025 11:00:00 GMT', now), 0);
    assert.equal(retryAfterHeaderMs('soon', now), null);
    assert.equal(retryAfterHeaderMs(undefined, now), null);
  });

  it("should read Discord's retry_after and Telegram's parameters.retry_after, in seconds", () => {
    assert.equal(
      retryAfterBodyMs({ message: 'rate limited', retry_after: 2.5, global: false }),
      2500,
    );
    assert.equal(retryAfterBodyMs({ ok: false, parameters: { retry_after: 4 } }), 4000);
    assert.equal(retryAfterBodyMs({ retry_after: '4' }), null);
    assert.equal(retryAfterBodyMs(null), null);
  });
});
