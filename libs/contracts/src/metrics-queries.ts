import { z } from 'zod';
import { pageFields } from './monitor-requests';
import { CHECK_OUTCOMES } from './checks';
import { IncidentSchema } from './incidents';

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

/** `GET /monitors/{id}/checks` query. */
export const ChecksQuerySchema = z
  .object({
    from: isoTime.optional().meta({ description: 'ISO 8601, inclusive' }),
    to: isoTime.optional().meta({ description: 'ISO 8601, exclusive' }),
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
    region: z
      .string({ message: 'must be a region name' })
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a region name such as eu-west')
      .optional()
      .meta({
        description:
          "Only this region's checks (read from the raw checks, kept CHECKS_RETENTION_DAYS); a region with no checks answers empty figures.",
      }),
  })
  .strict();
export const StatsRequestSchema = StatsQuerySchema.extend({ monitorId: z.uuid() }).strict();
export type StatsRequest = z.output<typeof StatsRequestSchema>;

/**
 * When the certificate seen by the newest check that saw one expires (https and tls monitors);
 * null for a monitor whose checks never saw one. Defaults to null so that an answer from a
 * metrics service older than the field still reads.
 */
const certificateExpiry = z.iso
  .datetime({ offset: true })
  .nullable()
  .default(null)
  .meta({ description: 'Expiry of the certificate the newest check with one saw; null without.' });

/** Uptime counts `up` and `degraded` as available; `prober_error` results are not counted at all. */
export const MonitorStatsSchema = z.object({
  window: z.enum(STATS_WINDOWS),
  totalChecks: z.number().int(),
  failedChecks: z.number().int(),
  uptimePercent: z.number().nullable(),
  avgLatencyMs: z.number().nullable(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  currentStatus: z.enum(['pending', ...CHECK_OUTCOMES]),
  lastCheckedAt: z.iso.datetime({ offset: true }).nullable(),
  /** Filled by the gateway from the notifier; the metrics service answers null. */
  ongoingIncident: IncidentSchema.nullable(),
  /** The region the figures are limited to (`?region=`), else null: every region. */
  region: z.string().nullable().default(null),
  certificateExpiresAt: certificateExpiry,
});
export type MonitorStats = z.output<typeof MonitorStatsSchema>;

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

export const ResponseTimePointSchema = z.object({
  at: z.iso.datetime({ offset: true }),
  checks: z.number().int(),
  failures: z.number().int(),
  avgLatencyMs: z.number().nullable(),
  p95LatencyMs: z.number().nullable(),
});
export type ResponseTimePoint = z.output<typeof ResponseTimePointSchema>;

export const ResponseTimeSeriesSchema = z.object({
  bucket: z.enum(BUCKETS),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  points: z.array(ResponseTimePointSchema),
});
export type ResponseTimeSeries = z.output<typeof ResponseTimeSeriesSchema>;

/** Ids per `metrics.latest` question: the answer, ~150 bytes a monitor, stays far below one message. */
export const MAX_LATEST_IDS = 1000;
export const LatestRequestSchema = z
  .object({ monitorIds: z.array(z.uuid()).max(MAX_LATEST_IDS) })
  .strict();

/** A monitor's latest check and 24 h uptime, for the dashboard. */
export const MonitorLatestSchema = z.object({
  monitorId: z.uuid(),
  lastCheckedAt: z.iso.datetime({ offset: true }).nullable(),
  outcome: z.enum(CHECK_OUTCOMES).nullable(),
  latencyMs: z.number().nullable(),
  uptime24hPercent: z.number().nullable(),
  certificateExpiresAt: certificateExpiry,
});
export type MonitorLatest = z.output<typeof MonitorLatestSchema>;

export const DeleteChecksRequestSchema = z.object({ monitorId: z.uuid() }).strict();
