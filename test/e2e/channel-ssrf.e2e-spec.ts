import { Logger } from '@nestjs/common';
import type { Alert } from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import { TargetPolicy } from '@uptime/target-guard';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Registry } from 'prom-client';
import {
  type Answer,
  type Receiver,
  type ReceivedRequest,
  startReceiver,
} from '../../apps/notifier/src/channels/test-support';
import { OutputCapture } from '../support/output-capture';
import { Pipeline } from '../support/pipeline';
import { query } from '../support/test-database';
import { waitFor } from '../support/wait-for';

/** What an internal service would answer: the thing a channel must never read back. */
const SECRET_BODY = 'internal-credentials: AKIA-SSRF-CANARY-7f3a9c';
const CANARY = 'SSRF-CANARY';
const SECRET = 'a-webhook-secret-of-some-length';

describe('notification channels as a way into internal services', () => {
  const pipeline = new Pipeline();
  const output = new OutputCapture();
  /**
   * Stand for internal services that answer: the deployment allows 127.0.0.2 and ::1
   * (PROBE_ALLOWED_CIDRS), Slack's http rule accepts [::1], webhooks take any address.
   */
  let internal: Receiver;
  let internalV6: Receiver;
  /** On 127.0.0.1, which the deployment does not allow: must never receive a request. */
  let forbidden: Receiver;
  let token: string;

  const answer = (req: ReceivedRequest): Answer => {
    if (req.path.startsWith('/redirect')) {
      return { status: 307, headers: { location: `${forbidden.url}/stolen` } };
    }
    const status = req.path.startsWith('/services/') ? 403 : 500;
    return { status, body: SECRET_BODY, headers: { 'content-type': 'text/plain' } };
  };

  const postChannel = (type: 'webhook' | 'slack', url: string) => {
    const config = type === 'webhook' ? { url, secret: SECRET } : { webhookUrl: url };
    return pipeline.api.post<{ id: string; errors?: { field: string; message: string }[] }>(
      '/api/v1/channels',
      { name: `${type} ${url}`, type, config },
      token,
    );
  };

  const createChannel = async (type: 'webhook' | 'slack', url: string) => {
    const res = await postChannel(type, url);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };

  const testChannel = async (channelId: string) => {
    const res = await pipeline.api.post<Alert>(`/api/v1/channels/${channelId}/test`, {}, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res;
  };

  const storedAlerts = (channelId: string) =>
    query<{ last_error: string | null; attempt_log: unknown; attempts: number; status: string }>(
      pipeline.db.url,
      'select last_error, attempt_log, attempts, status from notifier.alerts where channel_id = $1',
      [channelId],
    );

  before(async () => {
    output.start();
    pipeline.notifierOverrides = {
      targets: new TargetPolicy({
        allowPrivate: false,
        allowedCidrs: ['127.0.0.2/32', '::1/128'],
      }),
      logLevel: 'verbose',
    };
    await pipeline.start({ probers: 0, schedulers: 0 });
    // The apps of one process share Nest's log levels, set by the last one started (the gateway,
    // at warn): let the notifier's info lines (refusals) through for the whole process.
    Logger.overrideLogger(['error', 'warn', 'log', 'debug', 'verbose']);
    internal = await startReceiver(answer, '127.0.0.2');
    internalV6 = await startReceiver(answer, '::1');
    forbidden = await startReceiver(() => ({ status: 200, body: SECRET_BODY }));
    token = (await pipeline.api.newUser('ssrf')).accessToken;
  });
  after(async () => {
    output.stop();
    await pipeline.stop();
    await Promise.all([internal?.close(), internalV6?.close(), forbidden?.close()]);
  });

  const answerCases: [string, 'webhook' | 'slack', () => Receiver, string, RegExp][] = [
    [
      'webhook',
      'webhook',
      () => internal,
      '/hook',
      /^webhook answered HTTP 500 Internal Server Error$/,
    ],
    [
      'Slack',
      'slack',
      () => internalV6,
      '/services/T0/B0/tok',
      /^Slack answered HTTP 403 Forbidden$/,
    ],
  ];
  for (const [what, type, receiver, path, words] of answerCases) {
    it(`should keep a ${what} receiver's answer out of the test response, the stored alert and the logs`, async () => {
      const channelId = await createChannel(type, `${receiver().url}${path}`);
      const before = receiver().requests.length;
      const res = await testChannel(channelId);
      // At least: a retry of the 500 may already have followed.
      assert.ok(receiver().requests.length > before, 'the receiver answered the test');
      assert.equal(res.body.kind, 'test');
      assert.notEqual(res.body.status, 'sent');
      assert.match(res.body.lastError ?? '', words);
      assert.ok(!JSON.stringify(res.body).includes(CANARY), JSON.stringify(res.body));

      // A 500 is retried: the later attempts must not store the answer either.
      if (type === 'webhook') {
        await waitFor(
          'a retried attempt',
          async () => (await storedAlerts(channelId))[0]!.attempts >= 2,
        );
      }
      const stored = await storedAlerts(channelId);
      assert.equal(stored.length, 1);
      assert.match(stored[0]!.last_error ?? '', words);
      assert.ok(!JSON.stringify(stored).includes(CANARY), JSON.stringify(stored));

      const listed = await pipeline.api.get(`/api/v1/alerts?channelId=${channelId}`, token);
      assert.equal(listed.status, 200);
      assert.ok(!JSON.stringify(listed.body).includes(CANARY));
      assert.match(output.text, /\[SchemaMigrator\]/, "the capture sees the apps' logs");
      assert.ok(!output.text.includes(CANARY), 'no log line carries the receiver body');
    });
  }

  const literalCases: [string, () => string, RegExp][] = [
    ['127.0.0.1', () => `${forbidden.url}/hook`, /^127\.0\.0\.1 is a loopback address/],
    [
      '0.0.0.0, which reaches the host itself',
      () => `http://0.0.0.0:${new URL(forbidden.url).port}/hook`,
      /^0\.0\.0\.0 is an unspecified address/,
    ],
    [
      '2130706433, 127.0.0.1 as one number',
      () => `http://2130706433:${new URL(forbidden.url).port}/hook`,
      /^127\.0\.0\.1 is a loopback address/,
    ],
  ];
  for (const [what, url, reason] of literalCases) {
    it(`should refuse to save a channel to ${what}, naming config.url`, async () => {
      const res = await postChannel('webhook', url());
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(res.body.errors?.[0]?.field, 'config.url');
      assert.match(res.body.errors?.[0]?.message ?? '', reason);
    });
  }

  it('should refuse at delivery a name that resolves to a private address, without contacting it', async () => {
    // Names cannot be judged when saved: DNS may answer differently when the alert is sent.
    const channelId = await createChannel(
      'webhook',
      `http://localhost:${new URL(forbidden.url).port}/hook`,
    );
    const res = await testChannel(channelId);
    assert.equal(res.body.status, 'failed', 'a blocked target is not retried');
    assert.match(
      res.body.lastError ?? '',
      /^webhook URL refused \(blocked_target\): localhost resolves to 127\.0\.0\.1, which is a loopback address/,
    );
    assert.equal(forbidden.requests.length, 0, 'the receiver must not be contacted');
    // Visible to the operator: counted, and logged (at most once a minute).
    const registry = pipeline.notifier!.app.get<Registry>(TELEMETRY, { strict: false });
    const metric = await registry.getSingleMetricAsString('uptime_notifier_blocked_targets_total');
    assert.match(metric, /\{reason="loopback",app="notifier"\} 1$/m);
    assert.match(
      output.text,
      /refused by the target guard: webhook URL refused \(blocked_target\): localhost/,
    );
  });

  it('should refuse at delivery an address saved before the deployment tightened its rules', async () => {
    const channelId = await createChannel('webhook', `${internal.url}/hook`);
    // As if PROBE_ALLOWED_CIDRS had allowed 127.0.0.1 when the channel was saved.
    await query(
      pipeline.db.url,
      `update notifier.channels set config = jsonb_set(config, '{url}', to_jsonb($2::text)) where id = $1`,
      [channelId, `${forbidden.url}/hook`],
    );
    const res = await testChannel(channelId);
    assert.equal(res.body.status, 'failed');
    assert.match(
      res.body.lastError ?? '',
      /^webhook URL refused \(blocked_target\): 127\.0\.0\.1 is a loopback/,
    );
    assert.equal(forbidden.requests.length, 0, 'the receiver must not be contacted');
  });

  it('should not follow a redirect from an allowed receiver to a private address', async () => {
    const channelId = await createChannel('webhook', `${internal.url}/redirect`);
    const res = await testChannel(channelId);
    assert.equal(res.body.status, 'failed');
    assert.equal(
      res.body.lastError,
      'webhook answered HTTP 307 Temporary Redirect (redirects are not followed)',
    );
    assert.equal(forbidden.requests.length, 0, 'the redirect target must not be contacted');
  });
});
