import { z } from 'zod';
import { decodeBatch, payloadsOf } from './batches';
import type { Monitor, MonitorSpec } from './monitor';

export const CHECK_OUTCOMES = ['up', 'degraded', 'down'] as const;
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];

/**
 * Why a check failed. `prober_error` means the prober itself could not check (its own network is
 * broken); such results never count against a monitor.
 */
export const ERROR_KINDS = [
  'timeout',
  'dns',
  'connect',
  'tls',
  'http_status',
  'keyword',
  'assertion',
  'too_many_redirects',
  'blocked_target',
  'prober_error',
  // A heartbeat monitor's: no ping for its period and grace; its job called `/ping/{token}/fail`.
  'missed_heartbeat',
  'reported_failure',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** What a prober needs to run one check: the monitor's spec as of when the job was scheduled. */
export type ProbeSpec = Pick<
  MonitorSpec,
  | 'type'
  | 'url'
  | 'method'
  | 'headers'
  | 'body'
  | 'timeoutMs'
  | 'intervalSeconds'
  | 'expectedStatus'
  | 'followRedirects'
  | 'maxLatencyMs'
  | 'keyword'
  | 'assertions'
  | 'tls'
  | 'dns'
>;

/** One scheduled (or on-demand) check of one monitor from one region; on the PROBE_JOBS stream. */
export interface ProbeJob {
  /** Deterministic for scheduled checks (monitor, region, slot), so a re-published job is a duplicate. */
  checkId: string;
  monitorId: string;
  ownerId: string;
  region: string;
  scheduledAt: string;
  monitorVersion: number;
  onDemand: boolean;
  spec: ProbeSpec;
  /** The slot falls in a maintenance window of the monitor: the prober copies it into the result. */
  inMaintenance?: boolean;
}

export const CheckTimingsSchema = z.object({
  dnsMs: z.number().nullable(),
  connectMs: z.number().nullable(),
  tlsMs: z.number().nullable(),
  firstByteMs: z.number().nullable(),
  transferMs: z.number().nullable(),
});
export type CheckTimings = z.output<typeof CheckTimingsSchema>;

/**
 * What a check verified, one entry per rule, each with what was expected, what was found and
 * whether it passed: code (alerts, dashboards, the notifier) reads these; `message` is for people.
 */
export const ASSERTION_TYPES = [
  'status',
  'keyword',
  'json_path',
  'latency',
  'certificate',
  'connect',
  'tls',
  'dns_answer',
  'heartbeat',
] as const;
export type AssertionType = (typeof ASSERTION_TYPES)[number];

export const CheckAssertionSchema = z.object({
  type: z.enum(ASSERTION_TYPES),
  /** What the rule looked at, when a type has several (a JSON path, a record type). */
  target: z.string().optional(),
  expected: z.unknown().optional(),
  actual: z.unknown().optional(),
  passed: z.boolean(),
});
export type CheckAssertion = z.output<typeof CheckAssertionSchema>;

/** One finished check, as the prober publishes it and the API returns it. */
export const CheckResultSchema = z.object({
  id: z.uuid(),
  monitorId: z.uuid(),
  ownerId: z.uuid(),
  region: z.string().min(1),
  scheduledAt: z.iso.datetime(),
  startedAt: z.iso.datetime(),
  outcome: z.enum(CHECK_OUTCOMES),
  errorKind: z.enum(ERROR_KINDS).nullable(),
  httpStatus: z.number().int().nullable(),
  latencyMs: z.number().min(0),
  timings: CheckTimingsSchema,
  sizeBytes: z.number().int().min(0),
  message: z.string().nullable(),
  /** Results stored before assertions existed read as none. */
  assertions: z.array(CheckAssertionSchema).default([]),
  certificateExpiresAt: z.iso.datetime().nullable(),
  onDemand: z.boolean(),
  /** Checked during a maintenance window: stored, but opens no incident and counts in no uptime. */
  inMaintenance: z.boolean().default(false),
});
export type CheckResult = z.output<typeof CheckResultSchema>;

/** A probe job as received, or why it cannot be run (first problem found, by field). */
export type ProbeJobParse = { success: true; data: ProbeJob } | { success: false; error: string };

// The same rules as z.uuid() and z.iso.datetime(), which CheckResultSchema uses.
const UUID = z.regexes.uuid();
const ISO_DATETIME = z.regexes.datetime({});
const JOB_IDS = ['checkId', 'monitorId', 'ownerId'] as const;
const SPEC_STRINGS = ['type', 'url'] as const;
const SPEC_NUMBERS = ['timeoutMs', 'intervalSeconds'] as const;

/**
 * Checks a decoded probe job before a prober runs it. Hand-written rather than a zod schema:
 * every check of every monitor passes here, and zod's generic walk (issue lists, a copy of the
 * object) cost as much as decoding the JSON. Like the schema it replaces, it checks the identity
 * and what the prober itself reads; the rest of the spec was validated when the monitor was saved
 * and is passed through as is.
 */
export function safeParseProbeJob(value: unknown): ProbeJobParse {
  const error = probeJobProblem(value);
  return error === null ? { success: true, data: value as ProbeJob } : { success: false, error };
}

function probeJobProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'not a JSON object';
  for (const key of JOB_IDS) if (!isMatch(value[key], UUID)) return `${key}: must be a UUID`;
  if (typeof value.region !== 'string' || value.region === '')
    return 'region: must be a non-empty string';
  if (!isMatch(value.scheduledAt, ISO_DATETIME))
    return 'scheduledAt: must be an ISO 8601 date-time in UTC';
  if (!Number.isInteger(value.monitorVersion)) return 'monitorVersion: must be an integer';
  if (typeof value.onDemand !== 'boolean') return 'onDemand: must be a boolean';
  if (value.inMaintenance !== undefined && typeof value.inMaintenance !== 'boolean')
    return 'inMaintenance: must be a boolean';
  return specProblem(value.spec);
}

function specProblem(spec: unknown): string | null {
  if (!isRecord(spec)) return 'spec: must be an object';
  for (const key of SPEC_STRINGS)
    if (typeof spec[key] !== 'string') return `spec.${key}: must be a string`;
  for (const key of SPEC_NUMBERS)
    if (!Number.isFinite(spec[key])) return `spec.${key}: must be a number`;
  if (spec.type === 'dns') return dnsSpecProblem(spec.dns);
  return tlsProblem(spec.tls);
}

/** A job from a scheduler older than tcp monitors has no `tls`, which means the same as null. */
function tlsProblem(tls: unknown): string | null {
  if (tls === undefined || tls === null) return null;
  if (isRecord(tls) && typeof tls.allowInvalidCertificate === 'boolean') return null;
  return 'spec.tls: must be null or { allowInvalidCertificate: boolean }';
}

/** A dns check reads its record type and expected values; the resolver may be null. */
function dnsSpecProblem(dns: unknown): string | null {
  if (!isRecord(dns)) return 'spec.dns: must be an object for a dns check';
  if (typeof dns.recordType !== 'string') return 'spec.dns.recordType: must be a string';
  if (dns.resolver !== null && typeof dns.resolver !== 'string')
    return 'spec.dns.resolver: must be a string or null';
  if (!Array.isArray(dns.expected)) return 'spec.dns.expected: must be an array';
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMatch(value: unknown, pattern: RegExp): boolean {
  return typeof value === 'string' && pattern.test(value);
}

/**
 * How long past an on-demand check's timeout its caller still waits for the result: the job's
 * trip to a prober and the result's trip back. After that nobody is waiting, so a prober that
 * only now receives the job drops it.
 */
export const ON_DEMAND_MARGIN_MS = 2000;

/** The job for one check of a monitor, carrying the spec as it is now. */
export function probeJobFor(
  monitor: Monitor,
  check: {
    checkId: string;
    region: string;
    scheduledAt: Date;
    onDemand: boolean;
    inMaintenance?: boolean;
  },
): ProbeJob {
  return {
    ...(check.inMaintenance ? { inMaintenance: true } : {}),
    checkId: check.checkId,
    monitorId: monitor.id,
    ownerId: monitor.ownerId,
    region: check.region,
    scheduledAt: check.scheduledAt.toISOString(),
    monitorVersion: monitor.version,
    onDemand: check.onDemand,
    spec: {
      type: monitor.type,
      url: monitor.url,
      method: monitor.method,
      headers: monitor.headers,
      body: monitor.body,
      timeoutMs: monitor.timeoutMs,
      intervalSeconds: monitor.intervalSeconds,
      expectedStatus: monitor.expectedStatus,
      followRedirects: monitor.followRedirects,
      maxLatencyMs: monitor.maxLatencyMs,
      keyword: monitor.keyword,
      assertions: monitor.assertions,
      tls: monitor.tls,
      dns: monitor.dns,
    },
  };
}

/**
 * Most results one CHECK_RESULTS message carries. A prober sends the results it finished within
 * a few milliseconds as one JSON array: each message costs its publish, its stream ack and, in
 * every consumer, a delivery and an ack, so at thousands of checks a second one message per
 * result made the bus the largest cost per check (docs/performance.md).
 */
export const MAX_RESULTS_PER_MESSAGE = 200;

/**
 * The payloads of one CHECK_RESULTS message, not yet validated: an array (a prober's batch) or a
 * single result (a heartbeat, a missed-heartbeat verdict, a prober older than batches). Anything
 * else is one malformed payload.
 */
export function resultPayloadsOf(message: unknown): unknown[] {
  return payloadsOf(message);
}

/**
 * The results of one CHECK_RESULTS message, trusted as they are (no validation): for readers that
 * only look, such as the gateway waiting for an on-demand result. Not JSON: none.
 */
export function decodeCheckResults(data: Uint8Array): CheckResult[] {
  return decodeBatch<CheckResult>(data);
}
