import { redact } from '@uptime/config';
import { type Transporter, createTransport } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { z } from 'zod';
import {
  type AlertMessage,
  type AlertState,
  alertState,
  describeCause,
  formatDuration,
  formatUtc,
  subjectLine,
} from '../alert-message';
import {
  type ChannelProvider,
  DeliveryError,
  scrubSecrets,
  withoutSecrets,
} from '../channel-provider';

const MAX_RECIPIENTS = 10;

export const EmailConfigSchema = z
  .object({
    // One address is the common case, so a bare string is accepted and stored as a list.
    to: z.preprocess(
      (value) => (typeof value === 'string' ? [value] : value),
      z
        .array(
          z
            .string({ message: 'must be an email address' })
            .trim()
            .pipe(z.email({ message: 'must be an email address' })),
          { message: 'must be an email address or a list of them' },
        )
        .min(1, 'must list at least one address')
        .max(MAX_RECIPIENTS, `must list at most ${MAX_RECIPIENTS} addresses`)
        .transform((addresses) => [...new Set(addresses)]),
    ),
  })
  .strict();
export type EmailConfig = z.output<typeof EmailConfigSchema>;

export interface EmailProviderOptions {
  /** `SMTP_URL`: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://` (TLS). */
  smtpUrl: string;
  /** `MAIL_FROM`, e.g. `Uptime <alerts@example.com>`. */
  from: string;
}

/**
 * Defaults added to `SMTP_URL` unless it sets them. Nodemailer's own timeouts run to minutes,
 * which would hold a retry slot long after a dead server is obvious; pooling keeps one login
 * for a burst of alerts instead of one per email.
 */
const TRANSPORT_DEFAULTS: Record<string, string> = {
  pool: 'true',
  maxConnections: '3',
  connectionTimeout: '10000',
  greetingTimeout: '10000',
  socketTimeout: '30000',
};

/** An email with both parts; `from` is always `MAIL_FROM`. */
export interface OutgoingMail {
  to: string | string[];
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

/** Sends each alert as an HTML email with a plain-text part, over one pooled SMTP transport. */
export class EmailProvider implements ChannelProvider<EmailConfig> {
  readonly type = 'email';
  readonly configSchema = EmailConfigSchema;
  readonly secretFields: readonly (keyof EmailConfig)[] = [];
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;
  private readonly from: string;
  private readonly smtpSecrets: string[];

  constructor(options: EmailProviderOptions) {
    const url = smtpUrlOf(options.smtpUrl);
    // Passing the URL itself keeps every option nodemailer reads from it (`?tls.servername=`).
    for (const [key, value] of Object.entries(TRANSPORT_DEFAULTS)) {
      if (!url.searchParams.has(key)) url.searchParams.set(key, value);
    }
    // Nodemailer reads every option from `url` when it is given, `pool=true` included; the
    // `pool` key is here for the types, which pick the pooled transport by it.
    this.transport = createTransport({ pool: true, url: url.href });
    this.from = options.from;
    this.smtpSecrets = url.password ? [url.password, decodeURIComponent(url.password)] : [];
  }

  redact(config: EmailConfig): Partial<EmailConfig> {
    return withoutSecrets(config, this.secretFields);
  }

  async send(config: EmailConfig, message: AlertMessage): Promise<void> {
    await this.sendMail({
      to: config.to,
      subject: subjectLine(message),
      text: renderText(message),
      html: renderHtml(message),
      headers: { 'X-Uptime-Alert-Id': message.alertId },
    });
  }

  /**
   * Any email of the platform over the same pooled transport (invitations use it too). Failures
   * are `DeliveryError`s, scrubbed of the SMTP password.
   */
  async sendMail(mail: OutgoingMail): Promise<void> {
    let sent: SMTPPool.SentMessageInfo;
    try {
      sent = await this.transport.sendMail({
        from: this.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: {
          // Asks autoresponders not to answer, so an out-of-office reply cannot loop.
          'Auto-Submitted': 'auto-generated',
          ...mail.headers,
        },
      });
    } catch (err) {
      throw smtpDeliveryError(err, this.smtpSecrets);
    }
    if (sent.rejected.length > 0) throw partialDeliveryError(sent, this.smtpSecrets);
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

function smtpUrlOf(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`SMTP_URL ${JSON.stringify(redact(text))} is not a URL`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`SMTP_URL ${JSON.stringify(redact(text))} must start with smtp:// or smtps://`);
  }
  return url;
}

/** What nodemailer attaches to its errors; every field is optional in practice. */
interface SmtpFailure {
  code?: unknown;
  command?: unknown;
  response?: unknown;
  responseCode?: unknown;
  message?: unknown;
}

const SMTP_PHASES: Record<string, string> = {
  EAUTH: 'SMTP login failed',
  EENVELOPE: 'SMTP server refused the envelope',
  EMESSAGE: 'SMTP server refused the message',
  ECONNECTION: 'could not connect to the SMTP server',
  ETIMEDOUT: 'the SMTP server did not answer in time',
  ESOCKET: 'the SMTP connection failed',
  EDNS: 'could not resolve the SMTP server',
  ETLS: 'TLS with the SMTP server failed',
};

/**
 * Words for a failed send. The SMTP reply is kept because it is what the mail admin needs
 * (`550 5.1.1 unknown user`); a permanent (5xx) reply is not worth retrying.
 */
function smtpDeliveryError(err: unknown, secrets: readonly string[]): DeliveryError {
  const failure: SmtpFailure = typeof err === 'object' && err !== null ? err : {};
  const code = typeof failure.code === 'string' ? failure.code : '';
  const replyCode = typeof failure.responseCode === 'number' ? failure.responseCode : null;
  const detail = typeof failure.message === 'string' ? failure.message : String(err);
  const reply = typeof failure.response === 'string' ? failure.response : null;
  const withReply = reply && !detail.includes(reply) ? `${detail} (reply: ${reply})` : detail;
  const phase = SMTP_PHASES[code] ?? 'sending the email failed';
  const command = typeof failure.command === 'string' ? ` at ${failure.command}` : '';
  return new DeliveryError(scrubSecrets(`${phase}${command}: ${withReply}`, secrets), {
    status: replyCode,
    retryable: code !== 'EAUTH' && (replyCode === null || replyCode < 500),
  });
}

/**
 * Some recipients got the email and some did not. Not retryable: a retry would send the email
 * again to those who already have it, and a refused address needs a person to fix it.
 */
function partialDeliveryError(
  sent: SMTPPool.SentMessageInfo,
  secrets: readonly string[],
): DeliveryError {
  const reasons = (sent.rejectedErrors ?? []).map((e) => e.response ?? e.message);
  const why = reasons.length > 0 ? `: ${reasons.join('; ')}` : '';
  const text = `SMTP server refused ${sent.rejected.join(', ')} (sent to ${sent.accepted.join(', ')})${why}`;
  const status = sent.rejectedErrors?.[0]?.responseCode ?? null;
  return new DeliveryError(scrubSecrets(text, secrets), { status, retryable: false });
}

interface Fact {
  label: string;
  value: string;
  /** Set when the value is a URL worth linking in the HTML part. */
  href?: string;
}

const STATE_STYLE: Record<AlertState, { word: string; colour: string }> = {
  down: { word: 'Down', colour: '#d92d20' },
  degraded: { word: 'Degraded', colour: '#b54708' },
  up: { word: 'Up', colour: '#067647' },
  test: { word: 'Test', colour: '#1570ef' },
  certificate: { word: 'Certificate expiring', colour: '#b54708' },
  partial: { word: 'Partially down', colour: '#b54708' },
};

/** The facts both parts show, built once so the HTML and the text cannot disagree. */
function factsOf(message: AlertMessage): Fact[] {
  const state = STATE_STYLE[alertState(message)].word;
  const facts: Fact[] = [
    { label: 'Monitor', value: message.monitor.name },
    { label: 'URL', value: message.monitor.url, href: message.monitor.url },
    {
      label: 'Status',
      value: message.kind === 'reminder' ? `Still ${state.toLowerCase()}` : state,
    },
  ];
  if (message.incident) {
    facts.push({ label: 'Cause', value: describeCause(message.incident.cause) });
    facts.push({ label: 'Started', value: timeText(message.incident.startedAt) });
  }
  facts.push({ label: 'Time', value: timeText(message.occurredAt) });
  if (message.durationMs !== null) {
    const label = message.kind === 'reminder' ? 'Open for' : 'Duration';
    facts.push({ label, value: formatDuration(message.durationMs) });
  }
  return facts;
}

function headline(message: AlertMessage): string {
  return subjectLine(message).replace(/^\[[A-Z]+\] /, '');
}

export function renderText(message: AlertMessage): string {
  const facts = factsOf(message);
  const width = Math.max(...facts.map((f) => f.label.length)) + 2;
  const lines = facts.map((f) => `${`${f.label}:`.padEnd(width)}${f.value}`);
  return [
    headline(message),
    '',
    ...lines,
    '',
    `Open the monitor: ${message.monitorLink}`,
    '',
    `Alert ${message.alertId}`,
    '',
  ].join('\n');
}

/** Table layout and inline styles: most mail clients drop `<style>` and ignore flexbox. */
export function renderHtml(message: AlertMessage): string {
  const state = alertState(message);
  const { colour } = STATE_STYLE[state];
  const tag = message.kind === 'reminder' ? 'REMINDER' : state.toUpperCase();
  const rows = factsOf(message).map(factRow).join('\n');
  const link = safeHref(message.monitorLink);
  const button = link
    ? `<a href="${link}" style="display:inline-block;padding:12px 20px;background:${colour};color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600">Open the monitor</a>
<p style="margin:12px 0 0;font-size:12px;color:#667085">Or paste this link: ${escapeHtml(message.monitorLink)}</p>`
    : `<p style="margin:0">${escapeHtml(message.monitorLink)}</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subjectLine(message))}</title>
</head>
<body style="margin:0;padding:0;background:#f2f4f7;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#101828">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f2f4f7;padding:24px 0">
<tr><td align="center">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="width:100%;max-width:600px;background:#ffffff;border:1px solid #eaecf0;border-radius:8px">
<tr><td style="background:${colour};color:#ffffff;padding:20px 24px;border-radius:8px 8px 0 0">
<div style="font-size:12px;font-weight:700;letter-spacing:1px">${tag}</div>
<div style="font-size:20px;font-weight:600;margin-top:4px">${escapeHtml(headline(message))}</div>
</td></tr>
<tr><td style="padding:24px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="font-size:14px;line-height:20px">
${rows}
</table>
<div style="margin-top:24px">
${button}
</div>
</td></tr>
<tr><td style="padding:16px 24px;border-top:1px solid #eaecf0;font-size:12px;color:#667085">Alert ${escapeHtml(message.alertId)} · sent by uptime-platform</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

function factRow(fact: Fact): string {
  const href = fact.href ? safeHref(fact.href) : null;
  const value = href
    ? `<a href="${href}" style="color:#1570ef;word-break:break-all">${escapeHtml(fact.value)}</a>`
    : escapeHtml(fact.value);
  return `<tr><td style="padding:6px 16px 6px 0;color:#667085;white-space:nowrap;vertical-align:top">${escapeHtml(fact.label)}</td><td style="padding:6px 0;vertical-align:top">${value}</td></tr>`;
}

function timeText(iso: string): string {
  const utc = formatUtc(iso);
  return utc === iso ? iso : `${utc} (${iso})`;
}

/** Only http(s) links: a `javascript:` URL in a monitor must not become a live link. */
function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
    return escapeHtml(parsed.href);
  } catch {
    return null;
  }
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
