import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TargetPolicy } from '@uptime/target-guard';
import { subjectLine } from '../alert-message';
import { DeliveryError, validateChannelConfig } from '../channel-provider';
import { type Receiver, sampleAlert, startReceiver } from '../test-support';
import { type SlackMessage, SlackProvider, slackMessage } from './slack-provider';

/** Shaped like a real incoming-webhook path: the token is the last segment. */
const HOOK_PATH = '/services/T0001/B0001/s3cr3tT0kenValue';

describe('SlackProvider.send', () => {
  let receiver: Receiver;
  // The receiver listens on loopback, which a deployment must allow explicitly.
  const provider = new SlackProvider({
    timeoutMs: 2000,
    targets: new TargetPolicy({ allowPrivate: true }),
  });

  before(async () => {
    receiver = await startReceiver((req) =>
      req.path === HOOK_PATH ? { status: 200, body: 'ok' } : { status: 404, body: 'no_service' },
    );
  });
  after(async () => {
    await provider.close();
    await receiver.close();
  });

  it('should post blocks that name the monitor, with the subject as fallback text', async () => {
    const message = sampleAlert();
    await provider.send({ webhookUrl: `${receiver.url}${HOOK_PATH}` }, message);

    const request = receiver.requests.at(-1);
    assert.ok(request);
    assert.equal(request.headers['content-type'], 'application/json');
    const posted = JSON.parse(request.body) as SlackMessage;
    assert.equal(posted.text, subjectLine(message));
    assert.deepEqual(
      posted.blocks.map((b) => b.type),
      ['header', 'section', 'actions', 'context'],
    );
    const fields = JSON.stringify(posted.blocks[1]);
    assert.match(fields, /Checkout API/);
    assert.match(fields, /\*Status\*\\n:red_circle: Down/);
    assert.match(fields, /HTTP status 503, expected 200-299/);
    assert.match(fields, /\*Started\*/);
    assert.match(JSON.stringify(posted.blocks[2]), new RegExp(message.monitorLink));
  });

  it('should report a 404 as a permanent delivery error, without the token or the body', async () => {
    const wrongPath = '/services/T0001/B0001/wrongTokenValue';
    await assert.rejects(
      provider.send({ webhookUrl: `${receiver.url}${wrongPath}` }, sampleAlert()),
      (err: unknown) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.status, 404);
        assert.equal(err.retryable, false);
        assert.equal(err.message, 'Slack answered HTTP 404 Not Found');
        return true;
      },
    );
  });

  it('should refuse a loopback webhook URL without contacting it when private targets are not allowed', async () => {
    const guarded = new SlackProvider({ timeoutMs: 2000 });
    const before = receiver.requests.length;
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const webhookUrl = `${receiver.url.replace('127.0.0.1', host)}${HOOK_PATH}`;
        await assert.rejects(guarded.send({ webhookUrl }, sampleAlert()), (err: unknown) => {
          assert.ok(err instanceof DeliveryError);
          assert.equal(err.retryable, false);
          assert.match(err.message, /^Slack URL refused \(blocked_target\): .*loopback address/);
          assert.ok(!err.message.includes('s3cr3tT0kenValue'));
          return true;
        });
      }
      assert.equal(receiver.requests.length, before, 'the receiver must not be contacted');
    } finally {
      await guarded.close();
    }
  });
});

describe('slackMessage', () => {
  it('should keep user text from opening links or pinging the channel', () => {
    const posted = slackMessage(
      sampleAlert({
        monitor: { id: 'm', name: '<!channel> & <https://evil.test|click>', url: 'https://a.test' },
      }),
    );
    const fields = JSON.stringify(posted.blocks[1]);
    assert.ok(!fields.includes('<!channel>'));
    assert.match(fields, /&lt;!channel&gt; &amp; &lt;https:\/\/evil.test\|click&gt;/);
  });

  it('should show how long a recovery took instead of when it started', () => {
    const fields = JSON.stringify(slackMessage(sampleAlert({ kind: 'up', durationMs: 252_000 })));
    assert.match(fields, /\*Duration\*\\n4m 12s/);
    assert.match(fields, /:large_green_circle: Up/);
  });

  it('should keep the header within the length Slack accepts', () => {
    const name = 'N'.repeat(300);
    const header = slackMessage(sampleAlert({ monitor: { id: 'm', name, url: 'https://a.test' } }))
      .blocks[0] as { text: { text: string } };
    assert.equal(header.text.text.length, 150);
  });
});

describe('SlackProvider config', () => {
  // The schema's own rules; the target guard's refusals are below.
  const provider = new SlackProvider({ targets: new TargetPolicy({ allowPrivate: true }) });
  const cases: [string, unknown, string[]][] = [
    ['an https webhook', { webhookUrl: 'https://hooks.slack.com/services/T/B/X' }, []],
    ['plain http to localhost', { webhookUrl: 'http://localhost:8080/hook' }, []],
    ['plain http to 127.0.0.1', { webhookUrl: 'http://127.0.0.1:8080/hook' }, []],
    [
      'plain http elsewhere',
      { webhookUrl: 'http://hooks.slack.com/services/T/B/X' },
      ['config.webhookUrl'],
    ],
    ['a malformed URL', { webhookUrl: 'hooks.slack.com' }, ['config.webhookUrl']],
    ['a missing URL', {}, ['config.webhookUrl']],
    [
      'an unknown field',
      { webhookUrl: 'https://hooks.slack.com/services/T/B/X', channel: '#ops' },
      ['config.channel'],
    ],
  ];
  for (const [what, config, fields] of cases) {
    it(`should ${fields.length ? `reject ${what}, naming ${fields.join(', ')}` : `accept ${what}`}`, () => {
      const result = validateChannelConfig(provider, config);
      assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.field), fields);
    });
  }

  it('should refuse a loopback address when private targets are not allowed, without the token', () => {
    const result = validateChannelConfig(new SlackProvider(), {
      webhookUrl: 'http://127.0.0.1:8080/services/T/B/s3cr3tT0kenValue',
    });
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [
      {
        field: 'config.webhookUrl',
        message: '127.0.0.1 is a loopback address; private targets are not allowed',
      },
    ]);
  });

  it('should drop the webhook URL when redacted, since it is the credential', () => {
    assert.deepEqual(provider.redact({ webhookUrl: 'https://hooks.slack.com/services/T/B/X' }), {});
    assert.deepEqual(provider.secretFields, ['webhookUrl']);
  });
});
