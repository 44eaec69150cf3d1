import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TargetPolicy } from '@uptime/target-guard';
import { DeliveryError, validateChannelConfig } from '../channel-provider';
import { type ReceivedRequest, type Receiver, sampleAlert, startReceiver } from '../test-support';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  type MsTeamsMessage,
  MsTeamsProvider,
  msTeamsMessage,
} from './msteams-provider';

/** Shaped like a Power Automate workflow URL: the `sig` query parameter is the credential. */
const WORKFLOW_PATH =
  '/workflows/2f0c1b7e/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s3cr3tSignatureValue';

/**
 * Stands in for a Teams workflow: it accepts (202) only what "Post card in a chat or channel"
 * can post, a `message` with Adaptive Card attachments, and answers 401 to a wrong signature.
 */
function workflowAnswer(req: ReceivedRequest): { status: number } {
  if (req.path !== WORKFLOW_PATH) return { status: 401 };
  const message = JSON.parse(req.body) as MsTeamsMessage;
  const card = message.attachments?.[0];
  const valid =
    message.type === 'message' &&
    card?.contentType === ADAPTIVE_CARD_CONTENT_TYPE &&
    card.content.type === 'AdaptiveCard' &&
    /^1\.[0-6]$/.test(card.content.version) &&
    card.content.$schema === 'http://adaptivecards.io/schemas/adaptive-card.json' &&
    Array.isArray(card.content.body) &&
    card.content.body.length > 0;
  return { status: valid ? 202 : 400 };
}

describe('MsTeamsProvider.send', () => {
  let receiver: Receiver;
  // The receiver listens on loopback, which a deployment must allow explicitly.
  const provider = new MsTeamsProvider({
    timeoutMs: 2000,
    targets: new TargetPolicy({ allowPrivate: true }),
  });

  before(async () => {
    receiver = await startReceiver(workflowAnswer);
  });
  after(async () => {
    await provider.close();
    await receiver.close();
  });

  it('should post one Adaptive Card with the subject, the facts and a link to the monitor', async () => {
    await provider.send({ webhookUrl: `${receiver.url}${WORKFLOW_PATH}` }, sampleAlert());
    const request = receiver.requests.at(-1);
    assert.ok(request);
    assert.equal(request.headers['content-type'], 'application/json');
    const message = JSON.parse(request.body) as MsTeamsMessage;
    const { content } = message.attachments[0]!;
    assert.equal(content.version, '1.5');
    const [title, facts] = content.body as [
      { type: string; text: string; color: string },
      { type: string; facts: { title: string; value: string }[] },
    ];
    assert.equal(title.type, 'TextBlock');
    assert.equal(title.text, '\\[DOWN\\] Checkout API is down');
    assert.equal(title.color, 'attention');
    assert.equal(facts.type, 'FactSet');
    assert.deepEqual(
      facts.facts.map((f) => f.title),
      ['Monitor', 'Status', 'Cause', 'Started', 'URL'],
    );
    assert.equal(facts.facts[2]!.value, 'HTTP status 503, expected 200-299');
    assert.deepEqual(content.actions, [
      { type: 'Action.OpenUrl', title: 'Open monitor', url: sampleAlert().monitorLink },
    ]);
  });

  it('should colour a recovery good and say how long it lasted', () => {
    const incident = { ...sampleAlert().incident!, resolvedAt: '2025-03-01T12:04:12.000Z' };
    const card = msTeamsMessage(sampleAlert({ kind: 'up', incident, durationMs: 252_000 }))
      .attachments[0]!.content;
    assert.equal((card.body[0] as { color: string }).color, 'good');
    assert.match(JSON.stringify(card.body[1]), /"title":"Duration","value":"4m 12s"/);
  });

  it('should keep a monitor name from becoming a link', () => {
    const card = msTeamsMessage(
      sampleAlert({
        monitor: { id: 'm', name: '[click](https://evil.test) *now*', url: 'https://a.test' },
      }),
    ).attachments[0]!.content;
    const facts = (card.body[1] as { facts: { value: string }[] }).facts;
    assert.equal(facts[0]!.value, '\\[click\\]\\(https://evil.test\\) \\*now\\*');
  });

  it('should report a refused signature as permanent, without the URL or its signature', async () => {
    const wrong = WORKFLOW_PATH.replace('s3cr3tSignatureValue', 'wrongSignatureValue');
    await assert.rejects(
      provider.send({ webhookUrl: `${receiver.url}${wrong}` }, sampleAlert()),
      (err: unknown) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.status, 401);
        assert.equal(err.retryable, false);
        assert.equal(err.message, 'Microsoft Teams answered HTTP 401 Unauthorized');
        return true;
      },
    );
  });

  it('should refuse a loopback URL without contacting it when private targets are not allowed', async () => {
    const guarded = new MsTeamsProvider({ timeoutMs: 2000 });
    const before = receiver.requests.length;
    try {
      await assert.rejects(
        guarded.send({ webhookUrl: `${receiver.url}${WORKFLOW_PATH}` }, sampleAlert()),
        (err: unknown) => {
          assert.ok(err instanceof DeliveryError);
          assert.equal(err.retryable, false);
          assert.match(err.message, /^Microsoft Teams URL refused \(blocked_target\)/);
          assert.ok(!err.message.includes('s3cr3tSignatureValue'));
          return true;
        },
      );
      assert.equal(receiver.requests.length, before, 'the receiver must not be contacted');
    } finally {
      await guarded.close();
    }
  });
});

describe('MsTeamsProvider config', () => {
  const provider = new MsTeamsProvider({ targets: new TargetPolicy({ allowPrivate: true }) });
  const workflow = `https://prod-12.westeurope.logic.azure.com:443${WORKFLOW_PATH}`;
  const cases: [string, unknown, string[]][] = [
    ['a workflow URL', { webhookUrl: workflow }, []],
    ['plain http to localhost', { webhookUrl: 'http://localhost:8080/hook' }, []],
    [
      'plain http elsewhere',
      { webhookUrl: workflow.replace('https:', 'http:') },
      ['config.webhookUrl'],
    ],
    ['no URL', {}, ['config.webhookUrl']],
    ['an unknown field', { webhookUrl: workflow, title: 'x' }, ['config.title']],
  ];
  for (const [what, config, fields] of cases) {
    it(`should ${fields.length ? `reject ${what}, naming ${fields.join(', ')}` : `accept ${what}`}`, () => {
      const result = validateChannelConfig(provider, config);
      assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.field), fields);
    });
  }

  it('should refuse a private address literal when private targets are not allowed', () => {
    const result = validateChannelConfig(new MsTeamsProvider(), {
      webhookUrl: `http://127.0.0.1:8080${WORKFLOW_PATH}`,
    });
    assert.ok(!result.ok);
    assert.equal(result.errors[0]?.field, 'config.webhookUrl');
    assert.ok(!result.errors[0]?.message.includes('s3cr3tSignatureValue'));
  });

  it('should never show the workflow URL', () => {
    assert.deepEqual(provider.redact({ webhookUrl: workflow }), {});
  });
});
