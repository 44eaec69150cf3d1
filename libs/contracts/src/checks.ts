import { z } from 'zod';
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
}

export interface CheckTimings {
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  firstByteMs: number | null;
  transferMs: number | null;
}

/** One finished check, as the prober publishes it and the API returns it. */
export interface CheckResult {
  id: string;
  monitorId: string;
  ownerId: string;
  region: string;
  scheduledAt: string;
  startedAt: string;
  outcome: CheckOutcome;
  errorKind: ErrorKind | null;
  httpStatus: number | null;
  latencyMs: number;
  timings: CheckTimings;
  sizeBytes: number;
  message: string | null;
  certificateExpiresAt: string | null;
  onDemand: boolean;
}

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
  timings: z.object({
    dnsMs: z.number().nullable(),
    connectMs: z.number().nullable(),
    tlsMs: z.number().nullable(),
    firstByteMs: z.number().nullable(),
    transferMs: z.number().nullable(),
  }),
  sizeBytes: z.number().int().min(0),
  message: z.string().nullable(),
  certificateExpiresAt: z.iso.datetime().nullable(),
  onDemand: z.boolean(),
});

export const ProbeJobSchema = z.looseObject({
  checkId: z.uuid(),
  monitorId: z.uuid(),
  ownerId: z.uuid(),
  region: z.string().min(1),
  scheduledAt: z.iso.datetime(),
  monitorVersion: z.number().int(),
  onDemand: z.boolean(),
  spec: z.looseObject({
    type: z.string(),
    url: z.string(),
    timeoutMs: z.number(),
    intervalSeconds: z.number(),
  }),
});

/** The job for one check of a monitor, carrying the spec as it is now. */
export function probeJobFor(
  monitor: Monitor,
  check: { checkId: string; region: string; scheduledAt: Date; onDemand: boolean },
): ProbeJob {
  return {
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
    },
  };
}
