import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { type AlertCause, type AlertMessage, describeCause } from '../alert-message';
import { ChannelUrlProvider } from '../http-channel';
import type { ReceiverOptions } from '../http-post';

export const SIGNATURE_HEADER = 'X-Signature-256';
export const TIMESTAMP_HEADER = 'X-Signature-Timestamp';
/** How far a receiver lets a signed timestamp drift before it treats the request as a replay. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const MIN_SECRET_LENGTH = 16;
const MAX_SECRET_LENGTH = 256;

export const WebhookConfigSchema = z
  .object({
    url: z
      .string({ message: 'must be a string' })
      .trim()
      .max(2048, 'must be at most 2048 characters')
      .refine(isHttpUrl, 'must be an absolute http(s) URL'),
    secret: z
      .string({ message: 'must be a string' })
      .min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`)
      .max(MAX_SECRET_LENGTH, `must be at most ${MAX_SECRET_LENGTH} characters`),
  })
  .strict();
export type WebhookConfig = z.output<typeof WebhookConfigSchema>;

/**
 * The JSON body of every webhook. Receivers rely on these names; add fields, never rename them.
 *
 * - `event`: always `"alert"`, so one endpoint can tell alerts from future event types.
 * - `alert`: `{ id, kind, escalationStep }`, `kind` one of `down | degraded | up | test | reminder |
 *   certificate | partial`; `escalationStep` is the step of `alertPolicy.escalation` that sent it (1
 *   for the first; its `kind` is the incident's, `down` or `degraded`), null for every other alert.
 *   `id` is the same on every retry of one alert: deduplicate on it.
 * - `monitor`: `{ id, name, url }`.
 * - `incident`: `{ id, kind, startedAt, resolvedAt, cause }` or null (a channel test); `kind` is
 *   `down | degraded | certificate | partial`, and a certificate incident's cause has
 *   `certificateExpiresAt`; a monitor checked from several regions adds `regions: [{ region,
 *   outcome, errorKind }]` (each region's answer in the slot) and `quorum`. `cause` is the
 *   first failing check, `{ outcome, errorKind, httpStatus, latencyMs, assertions, message }`,
 *   or null: `assertions` are the ones it failed (`{ type, target?, expected?, actual?, passed }`)
 *   and `message` the cause in words as email and Slack show it, built from the other fields
 *   (never the prober's wording, so rewording a check's message changes no webhook).
 * - `occurredAt`: ISO 8601 time of the event; `durationMs`: the incident's length for `up`,
 *   its age for `reminder`, else null; `link`: the monitor's page.
 *
 * Headers: `X-Signature-Timestamp` (unix seconds) and `X-Signature-256: sha256=<hex>`, the
 * HMAC-SHA256 with the channel's secret of `<timestamp>.<raw body>`; see `verifyWebhookSignature`.
 */
export interface WebhookPayload {
  event: 'alert';
  alert: { id: string; kind: AlertMessage['kind']; escalationStep: number | null };
  monitor: AlertMessage['monitor'];
  incident: WebhookIncident | null;
  occurredAt: string;
  durationMs: number | null;
  link: string;
}

export type WebhookIncident = Omit<NonNullable<AlertMessage['incident']>, 'cause'> & {
  cause: WebhookCause | null;
};

export type WebhookCause = Required<
  Omit<AlertCause, 'certificateExpiresAt' | 'regions' | 'quorum'>
> & {
  certificateExpiresAt?: string;
  regions?: AlertCause['regions'];
  quorum?: number;
  message: string;
};

export const WEBHOOK_PAYLOAD_EXAMPLE: WebhookPayload = {
  event: 'alert',
  alert: { id: '0b9f4f0e-5d7a-4a43-9a55-3f1d2a6c8e10', kind: 'up', escalationStep: null },
  monitor: {
    id: '6f1c3c3e-8a0e-4f55-9a7e-3b0f7c2d9e11',
    name: 'Checkout API',
    url: 'https://api.example.com/checkout/health',
  },
  incident: {
    id: 'c2a7e8d4-1f3b-4c6a-8e9d-5b4a3c2d1e0f',
    startedAt: '2025-03-01T12:00:00.000Z',
    resolvedAt: '2025-03-01T12:04:12.000Z',
    cause: {
      outcome: 'down',
      errorKind: 'http_status',
      httpStatus: 503,
      latencyMs: 182,
      assertions: [{ type: 'status', expected: ['200-299'], actual: 503, passed: false }],
      message: 'HTTP status 503, expected 200-299',
    },
  },
  occurredAt: '2025-03-01T12:04:12.000Z',
  durationMs: 252_000,
  link: 'https://uptime.example.com/monitors/6f1c3c3e-8a0e-4f55-9a7e-3b0f7c2d9e11',
};

export function webhookPayload(message: AlertMessage): WebhookPayload {
  return {
    event: 'alert',
    alert: {
      id: message.alertId,
      kind: message.kind,
      escalationStep: message.escalation?.step ?? null,
    },
    monitor: message.monitor,
    incident: message.incident && webhookIncident(message.incident),
    occurredAt: message.occurredAt,
    durationMs: message.durationMs,
    link: message.monitorLink,
  };
}

/** Field by field: an alert stored before assertions existed still carries the check's message. */
function webhookIncident(incident: NonNullable<AlertMessage['incident']>): WebhookIncident {
  const { cause } = incident;
  return {
    id: incident.id,
    ...(incident.kind ? { kind: incident.kind } : {}),
    startedAt: incident.startedAt,
    resolvedAt: incident.resolvedAt,
    cause: cause && {
      outcome: cause.outcome,
      errorKind: cause.errorKind,
      httpStatus: cause.httpStatus,
      latencyMs: cause.latencyMs,
      assertions: cause.assertions ?? [],
      ...(cause.certificateExpiresAt ? { certificateExpiresAt: cause.certificateExpiresAt } : {}),
      ...(cause.regions ? { regions: cause.regions, quorum: cause.quorum } : {}),
      message: describeCause(cause),
    },
  };
}

/**
 * The `X-Signature-256` value for a body sent at `timestamp` (unix seconds). The timestamp is
 * signed with the body so that a captured request cannot be replayed later under a new one.
 */
export function signWebhook(secret: string, timestamp: number, body: string | Buffer): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(body);
  return `sha256=${hmac.digest('hex')}`;
}

export type WebhookHeaders =
  Headers | Record<string, string | readonly string[] | number | undefined>;

/**
 * True when the request was signed with `secret` over exactly this raw body, less than
 * `toleranceSeconds` away from now. Pass the body as received: parsing and re-serialising
 * JSON changes the bytes and breaks the signature.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: WebhookHeaders,
  body: string | Buffer,
  toleranceSeconds = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  const timestampText = headerValue(headers, TIMESTAMP_HEADER);
  const signature = headerValue(headers, SIGNATURE_HEADER);
  if (!timestampText || !signature || !/^\d{1,12}$/.test(timestampText)) return false;
  const timestamp = Number(timestampText);
  if (Math.abs(unixSeconds() - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  // timingSafeEqual needs equal lengths; a length mismatch reveals nothing about the secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Posts each alert as signed JSON to the channel's URL. */
export class WebhookProvider extends ChannelUrlProvider<WebhookConfig, 'url'> {
  readonly type = 'webhook';
  readonly configSchema = WebhookConfigSchema;
  readonly secretFields: readonly (keyof WebhookConfig)[] = ['secret'];

  constructor(options: ReceiverOptions = {}) {
    super('url', options);
  }

  async send(config: WebhookConfig, message: AlertMessage): Promise<void> {
    const body = JSON.stringify(webhookPayload(message));
    const timestamp = unixSeconds();
    await this.post(config.url, body, {
      receiver: 'webhook',
      secrets: [config.secret],
      headers: {
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(config.secret, timestamp, body),
      },
    });
  }
}

function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  const key = Object.keys(headers).find((k) => k.toLowerCase() === wanted);
  const value = key === undefined ? undefined : headers[key];
  if (value === undefined) return undefined;
  // A repeated header is ambiguous; refusing it is safer than picking one.
  if (Array.isArray(value)) return value.length === 1 ? String(value[0]) : undefined;
  return String(value);
}

function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
