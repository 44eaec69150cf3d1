import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ChannelProviders,
  DeliveryError,
  scrubSecrets,
  validateChannelConfig,
  withoutSecrets,
} from './channel-provider';
import { TargetPolicy } from '@uptime/target-guard';
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
      ['slack', 'webhook'],
    );
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
