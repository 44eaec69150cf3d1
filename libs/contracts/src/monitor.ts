import { z } from 'zod';
import {
  canonicalDnsName,
  DNS_RECORD_TYPES,
  DNS_SCHEME,
  DNS_URL,
  DnsCheckSchema,
  dnsNameOfUrl,
  dnsNameProblem,
} from './dns-monitor';
import {
  HEARTBEAT_URL_PREFIX,
  heartbeatUrlOf,
  HeartbeatSettingsSchema,
  pingUrlOf,
} from './heartbeat-monitor';
import { jsonBytesAtMost } from './json-shape';
import { type FieldError, fieldErrorsOf } from './problem';

export const MONITOR_TYPES = ['http', 'tcp', 'dns', 'heartbeat'] as const;
/** Types the platform checks today; a type added to MONITOR_TYPES ahead of its work is refused. */
export const SUPPORTED_MONITOR_TYPES: readonly MonitorType[] = ['http', 'tcp', 'dns', 'heartbeat'];
export type MonitorType = (typeof MONITOR_TYPES)[number];

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** `partial`: the latest slot of a monitor with several regions failed in fewer than its quorum. */
export const MONITOR_STATUSES = ['pending', 'up', 'degraded', 'down', 'paused', 'partial'] as const;
export type MonitorStatus = (typeof MONITOR_STATUSES)[number];

export const MIN_INTERVAL_SECONDS = 10;
export const MAX_INTERVAL_SECONDS = 24 * 60 * 60;
export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 120_000;
/**
 * Size bounds of a monitor. A monitor travels whole in one NATS message (a reply, an event, a
 * probe job), and pages of them are filled by bytes, so its size must be bounded: generous for
 * real checks (servers rarely take more than 8 KB per header or 32 KB of headers in all).
 */
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_HEADERS = 64;
export const MAX_HEADER_VALUE_BYTES = 8 * 1024;
/** Names and values together. */
export const MAX_HEADERS_BYTES = 32 * 1024;
/** The whole specification as JSON (escapes count: a control character takes 6 bytes). */
export const MAX_MONITOR_BYTES = 128 * 1024;

/** Fields the server sets; a client that sends one is told so instead of being ignored. */
export const READ_ONLY_MONITOR_FIELDS = [
  'id',
  'ownerId',
  'createdAt',
  'updatedAt',
  'status',
  'lastCheckedAt',
  'version',
  'pingUrl',
] as const;

/**
 * A monitor's own name for itself, unique among its owner's monitors: what a configuration
 * document matches monitors by (`/config/apply`), and what `GET /monitors?key=` finds.
 */
export const MONITOR_KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const MonitorKeySchema = z
  .string({ message: 'must be a string' })
  .regex(
    MONITOR_KEY_PATTERN,
    'must be 1 to 100 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
  )
  .meta({ description: 'Unique among your monitors; lower case, e.g. `checkout-api`.' });

const STATUS_PATTERN = /^([1-5])xx$|^(\d{3})$|^(\d{3})-(\d{3})$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Accepts `200`, `2xx` or `200-299`, each code between 100 and 599. */
export function parseStatusPattern(pattern: string): { min: number; max: number } | null {
  const match = STATUS_PATTERN.exec(pattern.trim().toLowerCase());
  if (!match) return null;
  const [, klass, single, from, to] = match;
  const range = klass
    ? { min: Number(klass) * 100, max: Number(klass) * 100 + 99 }
    : single
      ? { min: Number(single), max: Number(single) }
      : { min: Number(from), max: Number(to) };
  if (range.min < 100 || range.max > 599 || range.min > range.max) return null;
  return range;
}

export function statusMatches(patterns: readonly string[], status: number): boolean {
  return patterns.some((p) => {
    const range = parseStatusPattern(p);
    return range !== null && status >= range.min && status <= range.max;
  });
}

/** The URL schemes each monitor type checks: `tls://` is a TCP connection with a TLS handshake. */
export const URL_SCHEMES_OF_TYPE: Record<MonitorType, readonly string[]> = {
  http: ['http:', 'https:'],
  tcp: ['tcp:', 'tls:'],
  dns: ['dns:'],
  heartbeat: [],
};
const KNOWN_SCHEMES = new Set(Object.values(URL_SCHEMES_OF_TYPE).flat());
const SCHEME_NAMES = [...KNOWN_SCHEMES].map((s) => s.slice(0, -1)).join(', ');

/**
 * Any URL a monitor may check; whether its scheme fits the monitor's type is a cross-field rule
 * (`typeErrors`), since a patch may change either. A `tcp://` or `tls://` URL is only a host and
 * a port, written in one normal form so that the (owner, method, url) uniqueness holds.
 */
const monitorUrl = z
  .string({ message: 'must be a string' })
  .trim()
  .min(1, 'is required')
  .max(2048, 'must be at most 2048 characters')
  .superRefine((value, ctx) => {
    const problem = urlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((value) =>
    DNS_SCHEME.test(value) ? `dns://${dnsNameOfUrl(value)}` : normalUrl(new URL(value)),
  );

function urlProblem(value: string): string | false {
  if (DNS_SCHEME.test(value)) {
    const match = DNS_URL.exec(value);
    if (!match) return 'must be dns://name, without port, path or query';
    return dnsNameProblem(canonicalDnsName(match[1]!)) ?? false;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The URL parser refuses a port above 65535 as it does any malformed URL.
    return /^(tcp|tls):/i.test(value)
      ? 'must be tcp://host:port or tls://host:port, the port 1 to 65535'
      : 'must be an absolute URL, e.g. https://example.com';
  }
  if (!KNOWN_SCHEMES.has(url.protocol)) return `must use one of the schemes ${SCHEME_NAMES}`;
  if (url.protocol === 'tcp:' || url.protocol === 'tls:') return hostPortProblem(url);
  return !url.hostname && 'must name a host';
}

/** What is wrong with a `tcp://host:port` or `tls://host:port` URL, if anything. */
function hostPortProblem(url: URL): string | false {
  const form = `must be ${url.protocol}//host:port`;
  if (!url.hostname) return `${form}: the host is missing`;
  if (!url.port) return `${form}: the port (1 to 65535) is missing`;
  if (Number(url.port) < 1) return `${form}: the port must be 1 to 65535`;
  if (url.username || url.password) return `${form}, without user or password`;
  if (url.pathname || url.search || url.hash) return `${form}, without a path, query or fragment`;
  if (url.hostname.startsWith('[')) return false;
  // Only a DNS name or an IPv4 address; the URL parser lets other characters through here.
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(url.hostname)) {
    return `${form}: "${url.hostname}" is not a host name or IP address`;
  }
  return false;
}

function normalUrl(url: URL): string {
  if (url.protocol !== 'tcp:' && url.protocol !== 'tls:') return url.href;
  return `${url.protocol}//${url.hostname.toLowerCase()}:${url.port}`;
}

const headers = z
  .record(
    z.string().regex(HEADER_NAME, 'header names must be HTTP tokens').max(256),
    z
      .string({ message: 'header values must be strings' })
      .refine(
        (v) => Buffer.byteLength(v) <= MAX_HEADER_VALUE_BYTES,
        `header values must be at most ${MAX_HEADER_VALUE_BYTES} bytes`,
      )
      .refine((v) => !/[\r\n]/.test(v), 'header values must not contain line breaks'),
  )
  .refine((h) => Object.keys(h).length <= MAX_HEADERS, `must have at most ${MAX_HEADERS} headers`)
  .superRefine((h, ctx) => {
    const bytes = headerBytes(h);
    if (bytes <= MAX_HEADERS_BYTES) return;
    ctx.addIssue({
      code: 'custom',
      message: `are ${bytes} bytes in all (names and values), above the ${MAX_HEADERS_BYTES} allowed`,
    });
  })
  .meta({
    description:
      `Sent with every check: at most ${MAX_HEADERS} headers, each value at most ` +
      `${MAX_HEADER_VALUE_BYTES} bytes, ${MAX_HEADERS_BYTES} bytes in all (names and values).`,
    maxProperties: MAX_HEADERS,
  });

function headerBytes(h: Record<string, string>): number {
  return Object.entries(h).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  );
}

export const KEYWORD_MODES = ['present', 'absent'] as const;

export const KeywordSchema = z
  .object({
    value: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters'),
    mode: z.enum(KEYWORD_MODES, { message: 'must be present or absent' }).default('present'),
  })
  .strict();

export const ASSERTION_OPERATORS = [
  'equals',
  'notEquals',
  'contains',
  'lessThan',
  'greaterThan',
  'exists',
  'notExists',
] as const;

export const AssertionSchema = z
  .object({
    type: z.enum(['jsonPath'], { message: 'must be jsonPath' }),
    path: z
      .string()
      .max(512, 'must be at most 512 characters')
      .regex(
        /^\$(\.[A-Za-z_$][\w$-]*|\[\d+\]|\[['"][^'"]+['"]\])*$/,
        'must be a JSON path such as $.data[0].status',
      ),
    operator: z.enum(ASSERTION_OPERATORS, {
      message: `must be one of ${ASSERTION_OPERATORS.join(', ')}`,
    }),
    value: z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const needsValue = a.operator !== 'exists' && a.operator !== 'notExists';
    if (needsValue && a.value === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `is required with operator ${a.operator}`,
      });
    }
    if (
      (a.operator === 'lessThan' || a.operator === 'greaterThan') &&
      typeof a.value !== 'number'
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `must be a number with operator ${a.operator}`,
      });
    }
  });

const count = (max: number) =>
  z
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`);

/** Escalation: at most this many steps, each at most a week after the incident opened. */
export const MAX_ESCALATION_STEPS = 5;
export const MAX_ESCALATION_MINUTES = 7 * 24 * 60;
export const MAX_ESCALATION_CHANNELS = 20;

export const EscalationStepSchema = z
  .object({
    afterMinutes: count(MAX_ESCALATION_MINUTES),
    channelIds: z
      .array(z.uuid({ message: 'must be a channel id (UUID)' }))
      .min(1, 'must name at least one channel')
      .max(MAX_ESCALATION_CHANNELS, `must have at most ${MAX_ESCALATION_CHANNELS} channels`),
  })
  .strict();

/**
 * Steps in the order they fire: each later than the one before, so "step n" means the same
 * thing to the reader of the policy, of an alert (`escalationStep`) and of the incident.
 */
const escalation = z
  .array(EscalationStepSchema)
  .max(MAX_ESCALATION_STEPS, `must have at most ${MAX_ESCALATION_STEPS} steps`)
  .superRefine((steps, ctx) => {
    steps.forEach((step, i) => {
      const before = steps[i - 1];
      if (i === 0 || !before || step.afterMinutes > before.afterMinutes) return;
      ctx.addIssue({
        code: 'custom',
        path: [i, 'afterMinutes'],
        message: `must be greater than escalation[${i - 1}].afterMinutes (${before.afterMinutes}): steps go in the order they fire`,
      });
    });
  })
  .meta({
    description:
      'While an incident stays open, each step tells its channels once, `afterMinutes` (1 to ' +
      `${MAX_ESCALATION_MINUTES}, a week) after it opened; at most ${MAX_ESCALATION_STEPS} steps, in increasing ` +
      '`afterMinutes`, each naming 1 to 20 of your channels. Reminders and the resolution go to every channel told.',
  });

const alertPolicyFields = {
  failuresToOpen: count(20),
  windowSize: count(20),
  successesToResolve: count(20),
  alertOnDegraded: z.boolean({ message: 'must be true or false' }),
  renotifyMinutes: count(7 * 24 * 60).nullable(),
  certificateExpiryDays: count(365),
  escalation,
  regionQuorum: count(20).nullable().meta({
    description:
      'Regions that must fail in one slot for the monitor to be down; null (default) is half its regions, rounded up. At most the number of its regions.',
  }),
  alertOnPartial: z.boolean({ message: 'must be true or false' }).meta({
    description:
      'Open an incident of kind `partial` (and alert) when some regions fail but fewer than the quorum.',
  }),
} satisfies Record<keyof AlertPolicy, z.ZodType>;

export const AlertPolicySchema = z.object(alertPolicyFields).strict();
export const AlertPolicyPatchSchema = AlertPolicySchema.partial();

export const DEFAULT_ALERT_POLICY: AlertPolicy = {
  failuresToOpen: 1,
  windowSize: 1,
  successesToResolve: 1,
  alertOnDegraded: false,
  renotifyMinutes: null,
  certificateExpiryDays: 14,
  escalation: [],
  regionQuorum: null,
  alertOnPartial: false,
};

/**
 * A monitor's complete check specification, as stored and as it travels (replies, events, jobs).
 * It checks the shape a receiver relies on, not the rules a write must pass (`monitorFields`):
 * a monitor saved before a bound was added must still be read, and a newer sender's extra field
 * is dropped rather than refused.
 */
export const MonitorSpecSchema = z.object({
  // Monitors stored or sent before keys existed have none.
  key: z.string().nullable().default(null),
  name: z.string(),
  type: z.enum(MONITOR_TYPES),
  url: z.string(),
  method: z.enum(HTTP_METHODS),
  headers: z.record(z.string(), z.string()),
  body: z.string().nullable(),
  intervalSeconds: z.number().int(),
  timeoutMs: z.number().int(),
  expectedStatus: z.array(z.string()),
  followRedirects: z.boolean(),
  maxLatencyMs: z.number().int().nullable(),
  keyword: z.object({ value: z.string(), mode: z.enum(KEYWORD_MODES) }).nullable(),
  assertions: z.array(
    z.object({
      type: z.literal('jsonPath'),
      path: z.string(),
      operator: z.enum(ASSERTION_OPERATORS),
      value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    }),
  ),
  // Monitors stored or sent before dns monitors existed have none.
  dns: z
    .object({
      recordType: z.enum(DNS_RECORD_TYPES),
      resolver: z.string().nullable(),
      expected: z.array(z.string()),
    })
    .nullable()
    .default(null),
  alertPolicy: z.object({
    failuresToOpen: z.number().int(),
    windowSize: z.number().int(),
    successesToResolve: z.number().int(),
    alertOnDegraded: z.boolean(),
    renotifyMinutes: z.number().int().nullable(),
    // Monitors stored or sent before certificate alerts existed have none.
    certificateExpiryDays: z.number().int().default(14),
    // Monitors stored or sent before escalation existed have none.
    escalation: z
      .array(z.object({ afterMinutes: z.number().int(), channelIds: z.array(z.string()) }))
      .default([]),
    // Monitors stored or sent before region quorums existed have none.
    regionQuorum: z.number().int().nullable().default(null),
    alertOnPartial: z.boolean().default(false),
  }),
  channelIds: z.array(z.string()),
  regions: z.array(z.string()),
  paused: z.boolean(),
  // Monitors stored or sent before tcp monitors existed have none.
  tls: z.object({ allowInvalidCertificate: z.boolean() }).nullable().default(null),
  // Monitors stored or sent before heartbeat monitors existed have none.
  heartbeat: z
    .object({ periodSeconds: z.number().int(), graceSeconds: z.number().int() })
    .nullable()
    .default(null),
});
export type MonitorSpec = z.output<typeof MonitorSpecSchema>;
export type AlertPolicy = MonitorSpec['alertPolicy'];
export type EscalationStep = AlertPolicy['escalation'][number];

/** Every channel the policy's escalation steps name, once each, in step order. */
export function escalationChannelIds(policy: { escalation?: readonly EscalationStep[] }): string[] {
  return [...new Set((policy.escalation ?? []).flatMap((step) => step.channelIds))];
}

/** What the registry sets on a monitor, beside the specification the client wrote. */
export const MonitorServerFieldsSchema = z.object({
  id: z.uuid(),
  ownerId: z.uuid(),
  status: z.enum(MONITOR_STATUSES),
  lastCheckedAt: z.iso.datetime({ offset: true }).nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  version: z.number().int(),
  /**
   * A heartbeat monitor's ping token (null for other types): set at creation, never changed,
   * shown to clients only inside `pingUrl` (`MonitorReplySchema`).
   */
  pingToken: z.string().nullable().default(null),
});
export type MonitorServerFields = z.output<typeof MonitorServerFieldsSchema>;

/** A monitor as the API returns it. */
export const MonitorSchema = MonitorSpecSchema.extend(MonitorServerFieldsSchema.shape);
export type Monitor = z.output<typeof MonitorSchema>;

/** A monitor as the HTTP API answers it: the ping token only inside its public `pingUrl`. */
export const MonitorReplySchema = MonitorSchema.omit({ pingToken: true }).extend({
  pingUrl: z
    .string()
    .nullable()
    .meta({
      description:
        "Read-only. A heartbeat monitor's URL to ping (`GET|POST <pingUrl>`, `<pingUrl>/start`, " +
        '`<pingUrl>/fail`), without login; its token never changes. Null for other types.',
    }),
});
export type MonitorReply = z.output<typeof MonitorReplySchema>;

/** What the API shows of a monitor: `pingToken` becomes the public `pingUrl`. */
export function monitorReplyOf(monitor: Monitor, publicUrl: string): MonitorReply {
  const { pingToken, ...rest } = monitor;
  return { ...rest, pingUrl: pingToken === null ? null : pingUrlOf(publicUrl, pingToken) };
}

/** Every writable field, each with its own rule; which are required depends on the operation. */
const monitorFields = {
  key: MonitorKeySchema.nullable(),
  name: z
    .string({ message: 'must be a string' })
    .trim()
    .min(1, 'is required')
    .max(200, 'must be at most 200 characters'),
  type: z.enum(MONITOR_TYPES, { message: `must be one of ${MONITOR_TYPES.join(', ')}` }).meta({
    description:
      '`http` (default), `tcp`, `dns` or `heartbeat` (push: the job pings `pingUrl`; the type cannot change to or from heartbeat).',
  }),
  url: monitorUrl.meta({
    description:
      'http: an http(s) URL. tcp: `tcp://host:port` (up when a connection opens) or ' +
      '`tls://host:port` (also completes a TLS handshake, SNI = host, and records the certificate expiry). ' +
      'dns: `dns://name`, the name queried. heartbeat: left out; the monitor answers `heartbeat://<id>`. ' +
      'Required for every other type.',
  }),
  method: z.enum(HTTP_METHODS, { message: `must be one of ${HTTP_METHODS.join(', ')}` }),
  headers,
  body: z
    .string({ message: 'must be a string' })
    .refine(
      (b) => Buffer.byteLength(b) <= MAX_BODY_BYTES,
      `must be at most ${MAX_BODY_BYTES} bytes`,
    )
    .nullable()
    .meta({
      description: `Sent with every check, at most ${MAX_BODY_BYTES} bytes (UTF-8); null with GET and HEAD.`,
    }),
  intervalSeconds: z
    .number({ message: 'must be a number' })
    .int('must be a whole number of seconds')
    .min(MIN_INTERVAL_SECONDS, `must be at least ${MIN_INTERVAL_SECONDS} seconds`)
    .max(MAX_INTERVAL_SECONDS, `must be at most ${MAX_INTERVAL_SECONDS} seconds (24 h)`),
  timeoutMs: z
    .number({ message: 'must be a number' })
    .int('must be a whole number of milliseconds')
    .min(MIN_TIMEOUT_MS, `must be at least ${MIN_TIMEOUT_MS} ms`)
    .max(MAX_TIMEOUT_MS, `must be at most ${MAX_TIMEOUT_MS} ms`),
  expectedStatus: z
    .array(
      z
        .string({ message: 'must be a string such as "200", "2xx" or "200-299"' })
        .refine((p) => parseStatusPattern(p) !== null, {
          message:
            'must be a status code, class or range between 100 and 599, e.g. "200", "2xx", "200-299"',
        }),
    )
    .min(1, 'must list at least one status pattern')
    .max(20, 'must have at most 20 patterns'),
  followRedirects: z.boolean({ message: 'must be true or false' }),
  maxLatencyMs: z
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .nullable(),
  /** `"ok"` is shorthand for `{ "value": "ok", "mode": "present" }`. */
  keyword: z
    .preprocess((v) => (typeof v === 'string' ? { value: v, mode: 'present' } : v), KeywordSchema)
    .nullable(),
  assertions: z.array(AssertionSchema).max(20, 'must have at most 20 assertions'),
  dns: DnsCheckSchema.nullable(),
  alertPolicy: AlertPolicyPatchSchema,
  channelIds: z
    .array(z.uuid({ message: 'must be a channel id (UUID)' }))
    .max(20, 'must have at most 20 channels'),
  regions: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a region name such as eu-west'))
    .max(20, 'must have at most 20 regions'),
  paused: z.boolean({ message: 'must be true or false' }),
  tls: z
    .object({ allowInvalidCertificate: z.boolean({ message: 'must be true or false' }) })
    .strict()
    .nullable()
    .meta({
      description:
        'For a `tls://` monitor only: `{ "allowInvalidCertificate": true }` accepts a certificate ' +
        'whose chain or name does not verify (its expiry is still recorded). Null verifies.',
    }),
  heartbeat: HeartbeatSettingsSchema.nullable(),
} satisfies Record<keyof MonitorSpec, z.ZodType>;

const optionalFields = Object.fromEntries(
  Object.entries(monitorFields).map(([k, schema]) => [k, schema.optional()]),
) as { [K in keyof typeof monitorFields]: z.ZodOptional<(typeof monitorFields)[K]> };

const WHOLE_MONITOR = `A whole monitor is at most ${MAX_MONITOR_BYTES} bytes as JSON; a larger one is refused naming its largest field.`;

/** Body of `POST /monitors`: name is required, url too except for heartbeat monitors; the rest take defaults. */
export const MonitorCreateSchema = z
  .object({ ...optionalFields, name: monitorFields.name })
  .strict()
  .meta({ description: WHOLE_MONITOR });
/** Body of `PATCH /monitors/{id}`: any writable field; nested alertPolicy merges. */
export const MonitorPatchSchema = z
  .object(optionalFields)
  .strict()
  .meta({ description: WHOLE_MONITOR });

export type MonitorCreateInput = z.output<typeof MonitorCreateSchema>;
export type MonitorPatchInput = z.output<typeof MonitorPatchSchema>;

/** The monitor as the API returns it, from its specification and the fields the server set. */
export function monitorOf(fields: MonitorServerFields, spec: MonitorSpec): Monitor {
  return {
    id: fields.id,
    ownerId: fields.ownerId,
    ...spec,
    status: fields.status,
    // A heartbeat monitor's URL names it, and only the registry knew its id.
    url: spec.type === 'heartbeat' ? heartbeatUrlOf(fields.id) : spec.url,
    lastCheckedAt: fields.lastCheckedAt,
    createdAt: fields.createdAt,
    updatedAt: fields.updatedAt,
    version: fields.version,
    pingToken: fields.pingToken,
  };
}

/** Default timeout: 10 s, or 80 % of a shorter interval, so a check ends before the next is due. */
export function defaultTimeoutMs(intervalSeconds: number): number {
  return Math.min(10_000, Math.floor(intervalSeconds * 1000 * 0.8));
}

export const DEFAULT_INTERVAL_SECONDS = 60;

export function monitorSpecFromCreate(input: MonitorCreateInput): MonitorSpec {
  const intervalSeconds = input.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
  return {
    key: input.key ?? null,
    name: input.name,
    type: input.type ?? 'http',
    // A heartbeat monitor has none until the registry names it `heartbeat://<id>`.
    url: input.url ?? '',
    method: input.method ?? 'GET',
    headers: input.headers ?? {},
    body: input.body ?? null,
    intervalSeconds,
    timeoutMs: input.timeoutMs ?? defaultTimeoutMs(intervalSeconds),
    expectedStatus: input.expectedStatus ?? ['200-299'],
    followRedirects: input.followRedirects ?? true,
    maxLatencyMs: input.maxLatencyMs ?? null,
    keyword: input.keyword ?? null,
    assertions: input.assertions ?? [],
    dns: input.dns ?? null,
    alertPolicy: { ...DEFAULT_ALERT_POLICY, ...input.alertPolicy },
    channelIds: dedupe(input.channelIds ?? []),
    regions: dedupe(input.regions ?? []),
    paused: input.paused ?? false,
    tls: input.tls ?? null,
    heartbeat: input.heartbeat ?? null,
  };
}

export function monitorSpecWithPatch(current: MonitorSpec, patch: MonitorPatchInput): MonitorSpec {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return {
    ...current,
    ...defined,
    alertPolicy: { ...current.alertPolicy, ...patch.alertPolicy },
    channelIds: dedupe(patch.channelIds ?? current.channelIds),
    regions: dedupe(patch.regions ?? current.regions),
  };
}

/** Rules that span fields; checked on the whole spec, after defaults or a patch are applied. */
export function crossFieldErrors(spec: MonitorSpec): FieldError[] {
  const errors: FieldError[] = [];
  if (!SUPPORTED_MONITOR_TYPES.includes(spec.type)) {
    errors.push({
      field: 'type',
      message: `type "${spec.type}" is not available yet; supported: ${SUPPORTED_MONITOR_TYPES.join(', ')}`,
    });
  }
  errors.push(...typeErrors(spec));
  if (spec.timeoutMs >= spec.intervalSeconds * 1000) {
    errors.push({
      field: 'timeoutMs',
      message: `must be below the interval (${spec.intervalSeconds * 1000} ms)`,
    });
  }
  if (spec.maxLatencyMs !== null && spec.maxLatencyMs > spec.timeoutMs) {
    errors.push({
      field: 'maxLatencyMs',
      message: `must not exceed timeoutMs (${spec.timeoutMs} ms)`,
    });
  }
  if (spec.alertPolicy.failuresToOpen > spec.alertPolicy.windowSize) {
    errors.push({
      field: 'alertPolicy.failuresToOpen',
      message: `must not exceed alertPolicy.windowSize (${spec.alertPolicy.windowSize})`,
    });
  }
  const quorum = spec.alertPolicy.regionQuorum;
  if (quorum !== null && spec.regions.length > 0 && quorum > spec.regions.length) {
    errors.push({
      field: 'alertPolicy.regionQuorum',
      message: `must not exceed the number of regions (${spec.regions.length})`,
    });
  }
  if (spec.body !== null && (spec.method === 'GET' || spec.method === 'HEAD')) {
    errors.push({ field: 'body', message: `must be null with method ${spec.method}` });
  }
  const size = wholeSizeError(spec);
  if (size) errors.push(size);
  return errors;
}

/** Fields only an http check reads, and the values a monitor of another type must leave them at. */
const HTTP_ONLY_DEFAULTS = {
  method: 'GET',
  headers: {},
  body: null,
  expectedStatus: ['200-299'],
  followRedirects: true,
  keyword: null,
  assertions: [],
} satisfies Partial<MonitorSpec>;
const HTTP_ONLY_FIELDS = Object.keys(HTTP_ONLY_DEFAULTS) as (keyof typeof HTTP_ONLY_DEFAULTS)[];

/**
 * What a monitor's type rules out: a URL of another type's scheme, settings of another type, and
 * fields the type does not use (refused rather than ignored, so nothing a client sets is silently
 * dropped; one at its default is the same as left out).
 */
function typeErrors(spec: MonitorSpec): FieldError[] {
  const errors: FieldError[] = [];
  const schemes = URL_SCHEMES_OF_TYPE[spec.type];
  const scheme = spec.url.slice(0, spec.url.indexOf(':') + 1);
  if (schemes.length && spec.url !== '' && !schemes.includes(scheme)) {
    const names = schemes.map((s) => `${s}//`).join(' or ');
    errors.push({ field: 'url', message: `must be a ${names} URL for a ${spec.type} monitor` });
  }
  if (spec.type !== 'http') {
    for (const field of HTTP_ONLY_FIELDS) {
      if (JSON.stringify(spec[field]) === JSON.stringify(HTTP_ONLY_DEFAULTS[field])) continue;
      errors.push({
        field,
        message: `applies to http monitors only; leave it out of a ${spec.type} monitor`,
      });
    }
  }
  if (spec.tls !== null && scheme !== 'tls:') {
    errors.push({ field: 'tls', message: 'applies to tls:// monitors only' });
  }
  if (spec.type === 'dns' && spec.dns === null) {
    errors.push({ field: 'dns', message: 'is required for a dns monitor: { recordType }' });
  }
  if (spec.type !== 'dns' && spec.dns !== null) {
    errors.push({ field: 'dns', message: 'applies to dns monitors only' });
  }
  errors.push(...(spec.type === 'heartbeat' ? heartbeatErrors(spec) : []));
  if (spec.type !== 'heartbeat' && spec.heartbeat !== null) {
    errors.push({ field: 'heartbeat', message: 'applies to heartbeat monitors only' });
  }
  if (spec.type !== 'heartbeat' && spec.url === '') {
    errors.push({ field: 'url', message: 'is required' });
  }
  return errors;
}

/**
 * A heartbeat monitor is pinged, not probed: no URL, no regions, no interval, timeout or latency
 * bound of its own (its period and grace say when a ping is due). Each is refused by name unless
 * at its default, as the http-only fields are.
 */
function heartbeatErrors(spec: MonitorSpec): FieldError[] {
  const errors: FieldError[] = [];
  const leaveOut = (field: string, why: string) =>
    errors.push({ field, message: `${why}; leave it out of a heartbeat monitor` });
  if (spec.heartbeat === null) {
    errors.push({
      field: 'heartbeat',
      message: 'is required for a heartbeat monitor: { periodSeconds, graceSeconds }',
    });
  }
  if (spec.url !== '' && !spec.url.startsWith(HEARTBEAT_URL_PREFIX)) {
    leaveOut('url', 'a heartbeat monitor checks no URL (its job calls pingUrl)');
  }
  if (spec.regions.length) leaveOut('regions', 'a heartbeat monitor is not probed from regions');
  if (spec.intervalSeconds !== DEFAULT_INTERVAL_SECONDS) {
    leaveOut('intervalSeconds', 'heartbeat.periodSeconds says how often pings come');
  }
  if (spec.timeoutMs !== defaultTimeoutMs(DEFAULT_INTERVAL_SECONDS)) {
    leaveOut('timeoutMs', 'heartbeat.graceSeconds says how late a ping may be');
  }
  if (spec.maxLatencyMs !== null)
    leaveOut('maxLatencyMs', 'a heartbeat monitor has no latency bound');
  return errors;
}

/** Rules of a PATCH against the stored monitor: a heartbeat monitor's token and URL are for life. */
export function typeChangeErrors(current: MonitorSpec, next: MonitorSpec): FieldError[] {
  if (current.type === next.type) return [];
  if (current.type !== 'heartbeat' && next.type !== 'heartbeat') return [];
  return [
    {
      field: 'type',
      message: 'cannot change to or from heartbeat; create a new monitor instead',
    },
  ];
}

/**
 * Each field has its own bound, but together (and with JSON escapes) they could still outgrow
 * what one message should carry; the error names the largest field, the one to shrink.
 */
function wholeSizeError(spec: MonitorSpec): FieldError | undefined {
  // Nearly every monitor is far below: writing each one out only to measure it was a fifth of
  // its validation.
  if (jsonBytesAtMost(spec) <= MAX_MONITOR_BYTES) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(spec));
  if (bytes <= MAX_MONITOR_BYTES) return undefined;
  const sizes = Object.entries(spec).map(
    ([field, value]) => [field, Buffer.byteLength(JSON.stringify(value) ?? '')] as const,
  );
  const [largest] = sizes.reduce((a, b) => (b[1] > a[1] ? b : a));
  return {
    field: largest,
    message:
      `makes the monitor ${bytes} bytes as JSON, above the ${MAX_MONITOR_BYTES} a monitor may ` +
      'have (JSON escapes count: a control character takes 6 bytes)',
  };
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Names fields the server owns before zod sees the body, so the client hears "read-only", not "unknown". */
function readOnlyErrors(body: unknown): FieldError[] {
  if (!isPlainObject(body)) return [];
  return READ_ONLY_MONITOR_FIELDS.filter((f) => f in body).map((field) => ({
    field,
    message: 'is read-only',
  }));
}

function withoutReadOnly(body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  const copy: Record<string, unknown> = { ...body };
  for (const f of READ_ONLY_MONITOR_FIELDS) delete copy[f];
  // A heartbeat monitor's spec travels (gateway → registry) with url '': it has none yet.
  if (copy.url === '' && copy.type === 'heartbeat') delete copy.url;
  return copy;
}

export function validateMonitorCreate(body: unknown): Validated<MonitorSpec> {
  const readOnly = readOnlyErrors(body);
  const parsed = MonitorCreateSchema.safeParse(withoutReadOnly(body), { reportInput: true });
  if (!parsed.success || readOnly.length) {
    return {
      ok: false,
      errors: [...readOnly, ...(parsed.success ? [] : fieldErrorsOf(parsed.error))],
    };
  }
  const spec = monitorSpecFromCreate(parsed.data);
  const errors = crossFieldErrors(spec);
  return errors.length ? { ok: false, errors } : { ok: true, value: spec };
}

/** At most this many monitors per bulk create: one transaction, one request a few hundred KB. */
export const MAX_MONITORS_PER_BULK = 1000;

/** Body of `POST /monitors/bulk`; `validateMonitorCreateMany` checks it, naming errors `monitors[i].field`. */
export const MonitorBulkCreateSchema = z
  .object({ monitors: z.array(MonitorCreateSchema).min(1).max(MAX_MONITORS_PER_BULK) })
  .strict();

/**
 * Validates `{ monitors: [...] }` for a bulk create: every monitor as `validateMonitorCreate`
 * does, errors named `monitors[i].field`, and two entries with the same method and URL refused.
 */
export function validateMonitorCreateMany(body: unknown): Validated<MonitorSpec[]> {
  const list = isPlainObject(body) ? body.monitors : undefined;
  if (!Array.isArray(list)) {
    return { ok: false, errors: [{ field: 'monitors', message: 'must be an array of monitors' }] };
  }
  if (list.length === 0 || list.length > MAX_MONITORS_PER_BULK) {
    const message = `must hold 1 to ${MAX_MONITORS_PER_BULK} monitors, got ${list.length}`;
    return { ok: false, errors: [{ field: 'monitors', message }] };
  }
  const extra = Object.keys(body as object).filter((k) => k !== 'monitors');
  const errors: FieldError[] = extra.map((field) => ({ field, message: 'is not a known field' }));
  const specs: MonitorSpec[] = [];
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const validated = validateMonitorCreate(item);
    if (!validated.ok) {
      errors.push(...validated.errors.map((e) => ({ ...e, field: `monitors[${i}].${e.field}` })));
      return;
    }
    errors.push(...repeats(validated.value, i, seen));
    specs.push(validated.value);
  });
  return errors.length ? { ok: false, errors } : { ok: true, value: specs };
}

/** The fields that make a monitor distinct among its owner's (see `monitorTarget`). */
export type MonitorTargetFields = Pick<MonitorSpec, 'method' | 'url' | 'dns'>;

/**
 * What an owner monitors once only: the method and URL, and for a dns monitor the record type
 * too, so that `dns://example.com` A and `dns://example.com` MX are two monitors. The registry's
 * unique index `monitors_owner_target_unique` holds the same rule.
 */
export function monitorTarget(spec: MonitorTargetFields): string {
  const recordType = spec.dns?.recordType;
  return recordType ? `${spec.method} ${spec.url} ${recordType}` : `${spec.method} ${spec.url}`;
}

/** How an error names what two monitors share: `method and URL`, or a dns monitor's. */
export function monitorTargetWords(spec: MonitorTargetFields): string {
  return spec.dns ? 'URL and record type' : 'method and URL';
}

/**
 * Errors for a monitor of a list that repeats an earlier one's target (`monitorTarget`), or its
 * key: `seen` remembers where each was first given.
 */
export function repeats(spec: MonitorSpec, i: number, seen: Map<string, number>): FieldError[] {
  const errors: FieldError[] = [];
  const target = `target ${monitorTarget(spec)}`;
  // Heartbeat monitors get their URL (their id) from the registry: never the same.
  const first = spec.type === 'heartbeat' ? undefined : seen.get(target);
  if (first !== undefined) {
    errors.push({
      field: `monitors[${i}].url`,
      message: `has the same ${monitorTargetWords(spec)} as monitors[${first}]`,
    });
  } else seen.set(target, i);
  if (spec.key === null) return errors;
  const firstKey = seen.get(`key ${spec.key}`);
  if (firstKey !== undefined) {
    errors.push({
      field: `monitors[${i}].key`,
      message: `"${spec.key}" is also the key of monitors[${firstKey}]; keys must be unique`,
    });
  } else seen.set(`key ${spec.key}`, i);
  return errors;
}

/** Shape-checks a patch; the cross-field rules run once it is merged into the stored monitor. */
export function validateMonitorPatch(body: unknown): Validated<MonitorPatchInput> {
  const readOnly = readOnlyErrors(body);
  const parsed = MonitorPatchSchema.safeParse(withoutReadOnly(body), { reportInput: true });
  if (!parsed.success || readOnly.length) {
    return {
      ok: false,
      errors: [...readOnly, ...(parsed.success ? [] : fieldErrorsOf(parsed.error))],
    };
  }
  return { ok: true, value: parsed.data };
}

function dedupe<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
