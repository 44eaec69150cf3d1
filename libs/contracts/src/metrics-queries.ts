import { z } from 'zod';
import { pageFields } from './monitor-requests';
import { CHECK_OUTCOMES, type CheckOutcome } from './checks';

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

/** `GET /monitors/{id}/checks` query. */
export const ChecksQuerySchema = z
  .object({
    from: isoTime.optional(),
    to: isoTime.optional(),
    outcome: z.enum(CHECK_OUTCOMES, { message: 'must be up, degraded or down' }).optional(),
    sort: z.enum(['asc', 'desc'], { message: 'must be asc or desc' }).default('desc'),
    ...pageFields,
  })
  .strict();
export type ChecksQuery = z.output<typeof ChecksQuerySchema>;
export const ListChecksRequestSchema = ChecksQuerySchema.extend({ monitorId: z.uuid() }).strict();
export type ListChecksRequest = z.output<typeof ListChecksRequestSchema>;

export const STATS_WINDOWS = ['1h', '24h', '7d', '30d'] as const;
export type StatsWindow = (typeof STATS_WINDOWS)[number];
export const StatsQuerySchema = z
  .object({
    window: z.enum(STATS_WINDOWS, { message: 'must be one of 1h, 24h, 7d, 30d' }).default('24h'),
  })
  .strict();
export const StatsRequestSchema = StatsQuerySchema.extend({ monitorId: z.uuid() }).strict();
export type StatsRequest = z.output<typeof StatsRequestSchema>;

/** Uptime counts `up` and `degraded` as available; `prober_error` results are not counted at all. */
export interface MonitorStats {
  window: StatsWindow;
  totalChecks: number;
  failedChecks: number;
  uptimePercent: number | null;
  avgLatencyMs: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  currentStatus: CheckOutcome | 'pending';
  lastCheckedAt: string | null;
  /** Filled by the gateway from the notifier once incidents exist. */
  ongoingIncident: unknown | null;
}

export const BUCKETS = ['1m', '5m', '15m', '1h', '1d'] as const;
export const ResponseTimesQuerySchema = z
  .object({
    from: isoTime.optional(),
    to: isoTime.optional(),
    bucket: z.enum(BUCKETS, { message: `must be one of ${BUCKETS.join(', ')}` }).optional(),
  })
  .strict();
export const ResponseTimesRequestSchema = ResponseTimesQuerySchema.extend({
  monitorId: z.uuid(),
}).strict();
export type ResponseTimesRequest = z.output<typeof ResponseTimesRequestSchema>;

export interface ResponseTimePoint {
  at: string;
  checks: number;
  failures: number;
  avgLatencyMs: number | null;
  p95LatencyMs: number | null;
}

export interface ResponseTimeSeries {
  bucket: (typeof BUCKETS)[number];
  from: string;
  to: string;
  points: ResponseTimePoint[];
}

/** Ids per `metrics.latest` question: the answer, ~150 bytes a monitor, stays far below one message. */
export const MAX_LATEST_IDS = 1000;
export const LatestRequestSchema = z
  .object({ monitorIds: z.array(z.uuid()).max(MAX_LATEST_IDS) })
  .strict();

/** A monitor's latest check and 24 h uptime, for the dashboard. */
export interface MonitorLatest {
  monitorId: string;
  lastCheckedAt: string | null;
  outcome: CheckOutcome | null;
  latencyMs: number | null;
  uptime24hPercent: number | null;
}

export const DeleteChecksRequestSchema = z.object({ monitorId: z.uuid() }).strict();
