import type { CheckResult } from '@uptime/contracts';
import { TargetPolicy } from '@uptime/target-guard';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MailServer, startMailServer } from '../../../../test/support/mail-server';
import { causeSummary } from '../incidents/alert-state';
import { alertCauseOf, type AlertMessage } from './alert-message';
import { EmailProvider } from './email/email-provider';
import { SlackProvider } from './slack/slack-provider';
import { type Receiver, sampleAlert, startReceiver } from './test-support';
import { WebhookProvider } from './webhook/webhook-provider';

/** What the three channels delivered for one alert: the mail's parts and the posted bodies. */
interface Delivered {
  email: { subject: string | undefined; text: string; html: string };
  webhook: unknown;
  slack: unknown;
}

const LOOPBACK_ALLOWED = new TargetPolicy({ allowPrivate: true });
const EXPIRY = '2026-03-10T00:00:00.000Z';

function result(overrides: Partial<CheckResult>): CheckResult {
  return {
    id: '8d6c1a52-7a0e-4f4b-9d55-0f3c3e2b8a11',
    monitorId: '6f1c3c3e-8a0e-4f55-9a7e-3b0f7c2d9e11',
    ownerId: '5b0c1a52-7a0e-4f4b-9d55-0f3c3e2b8a11',
    region: 'local',
    scheduledAt: '2026-03-01T12:00:00.000Z',
    startedAt: '2026-03-01T12:00:00.100Z',
    outcome: 'down',
    errorKind: null,
    httpStatus: null,
    latencyMs: 42,
    timings: { dnsMs: null, connectMs: null, tlsMs: null, firstByteMs: null, transferMs: null },
    sizeBytes: 0,
    message: null,
    assertions: [],
    certificateExpiresAt: null,
    onDemand: false,
    inMaintenance: false,
    ...overrides,
  };
}

/**
 * One failing result of each kind of check, with the words `describeCause` gives it. Each is
 * sent three times, worded by the prober in two ways and not at all: every channel must deliver
 * the same thing, built from the structured fields alone.
 */
const CASES: {
  what: string;
  result: CheckResult;
  kind: AlertMessage['kind'];
  cause: string;
}[] = [
  {
    what: 'an http status',
    kind: 'down',
    result: result({
      errorKind: 'http_status',
      httpStatus: 503,
      assertions: [{ type: 'status', expected: ['200-299'], actual: 503, passed: false }],
    }),
    cause: 'HTTP status 503, expected 200-299',
  },
  {
    what: 'an http keyword',
    kind: 'down',
    result: result({
      errorKind: 'keyword',
      httpStatus: 200,
      assertions: [
        { type: 'status', expected: ['200-299'], actual: 200, passed: true },
        {
          type: 'keyword',
          target: 'present',
          expected: 'healthy',
          actual: 'not found',
          passed: false,
        },
      ],
    }),
    cause: "keyword 'healthy' missing",
  },
  {
    what: 'a refused tcp connection',
    kind: 'down',
    result: result({
      errorKind: 'connect',
      assertions: [
        {
          type: 'connect',
          target: '127.0.0.1:5432',
          expected: 'open',
          actual: 'ECONNREFUSED',
          passed: false,
        },
      ],
    }),
    cause: 'could not connect to 127.0.0.1:5432: connection refused (ECONNREFUSED)',
  },
  {
    what: 'a refused tls certificate',
    kind: 'down',
    result: result({
      errorKind: 'tls',
      assertions: [
        { type: 'connect', expected: 'open', actual: 'open', passed: true },
        {
          type: 'tls',
          target: 'mail.example.test',
          expected: 'verified',
          actual: 'CERT_HAS_EXPIRED',
          passed: false,
        },
      ],
    }),
    cause: 'TLS handshake with mail.example.test failed: certificate expired (CERT_HAS_EXPIRED)',
  },
  {
    what: 'a failed dns query',
    kind: 'down',
    result: result({
      errorKind: 'dns',
      assertions: [
        { type: 'dns_answer', target: 'A', expected: [], actual: 'ESERVFAIL', passed: false },
      ],
    }),
    cause: 'DNS query for A records failed: server failure (SERVFAIL)',
  },
  {
    what: 'a certificate about to expire',
    kind: 'certificate',
    result: result({
      outcome: 'up',
      certificateExpiresAt: EXPIRY,
      assertions: [{ type: 'certificate', actual: EXPIRY, passed: true }],
    }),
    cause: `certificate expires 2026-03-10 00:00:00 UTC`,
  },
];

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const WORDINGS = [
  'connect ECONNREFUSED 127.0.0.1:5432 (original words)',
  'reworded: it broke',
  null,
];

describe('alerts come from structured fields only', () => {
  let mail: MailServer;
  let receiver: Receiver;
  let email: EmailProvider;
  const webhook = new WebhookProvider({ timeoutMs: 2000, targets: LOOPBACK_ALLOWED });
  const slack = new SlackProvider({ timeoutMs: 2000, targets: LOOPBACK_ALLOWED });

  before(async () => {
    mail = await startMailServer();
    receiver = await startReceiver(() => ({ status: 200, body: 'ok' }));
    email = new EmailProvider({
      smtpUrl: `smtp://127.0.0.1:${mail.port}`,
      from: 'Uptime <alerts@uptime.test>',
    });
  });
  after(async () => {
    await Promise.all([email?.close(), webhook.close(), slack.close()]);
    await Promise.all([mail?.close(), receiver?.close()]);
  });

  /**
   * The alert an incident opened by `check` sends, as the notifier builds it (the stored cause is
   * the check's summary, message included; a certificate cause adds the expiry), through every
   * channel to real loopback servers.
   */
  async function deliver(check: CheckResult, kind: AlertMessage['kind']): Promise<Delivered> {
    const stored = {
      ...causeSummary(check),
      ...(kind === 'certificate' ? { certificateExpiresAt: check.certificateExpiresAt! } : {}),
    };
    const base = sampleAlert({ kind });
    const message = sampleAlert({
      kind,
      incident: {
        ...base.incident!,
        ...(kind === 'certificate' ? { kind: 'certificate' as const } : {}),
        cause: alertCauseOf(stored),
      },
    });
    await email.send({ to: ['oncall@example.com'] }, message);
    await webhook.send({ url: `${receiver.url}/hook`, secret: 'whsec-0123456789abcdef' }, message);
    await slack.send({ webhookUrl: `${receiver.url}/slack` }, message);
    const sent = await mail.messages.at(-1)!;
    const [hook, slackPost] = receiver.requests.slice(-2);
    return {
      email: { subject: sent.subject, text: String(sent.text), html: String(sent.html) },
      webhook: JSON.parse(hook!.body) as unknown,
      slack: JSON.parse(slackPost!.body) as unknown,
    };
  }

  for (const { what, result: check, kind, cause } of CASES) {
    it(`sends the same email, webhook and Slack alert for ${what}, however its message is worded`, async () => {
      const delivered: Delivered[] = [];
      for (const wording of WORDINGS)
        delivered.push(await deliver({ ...check, message: wording }, kind));
      assert.deepEqual(delivered[1], delivered[0]);
      assert.deepEqual(delivered[2], delivered[0]);

      const all = JSON.stringify(delivered[0]);
      for (const wording of WORDINGS.filter((w) => w !== null)) {
        assert.ok(!all.includes(wording), `no channel quotes "${wording}"`);
      }
      const { email: sent, webhook: payload } = delivered[0]!;
      assert.ok(sent.text.includes(cause), `email text: ${cause}`);
      assert.ok(sent.html.includes(escapeHtml(cause)), `email html: ${cause}`);
      assert.ok(JSON.stringify(delivered[0]!.slack).includes(cause), `slack: ${cause}`);
      // The webhook's cause: the structured fields and the words built from them.
      const failed = check.outcome === 'up' ? [] : check.assertions.filter((a) => !a.passed);
      assert.deepEqual((payload as { incident: { cause: unknown } }).incident.cause, {
        outcome: check.outcome,
        errorKind: check.errorKind,
        httpStatus: check.httpStatus,
        latencyMs: check.latencyMs,
        assertions: failed,
        ...(kind === 'certificate' ? { certificateExpiresAt: EXPIRY } : {}),
        message: cause,
      });
    });
  }
});
