import { z } from 'zod';
import { pageFields } from './monitor-requests';
import { CHECK_OUTCOMES } from './checks';
import { IncidentSchema } from './incidents';
import { CoverageSchema } from './missed-slots';

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
/** Each stats window's length. */
export const STATS_WINDOW_MS: Record<(typeof STATS_WINDOWS)[number], number> = {
  '1h': 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
  '30d': 30 * 24 * 3_600_000,
};
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
  /**
   * The window's slots: expected, run, late and missed (by reason), every region. Filled by the
   * gateway; null when it could not be read. Missed slots count in no uptime or downtime.
   */
  coverage: CoverageSchema.nullable().default(null),
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
export type Bucket = (typeof BUCKETS)[number];

export const BUCKET_MS: Record<Bucket, number> = {
  '1m': 60_000,
  '5m': 5 * 60_000,
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '1d': 24 * 60 * 60_000,
};

/**
 * Points one response-time answer may hold: more than a chart shows, and at ~100 bytes a point
 * far within one NATS message (a month of 1-minute points, 43,200, would not be).
 */
export const MAX_RESPONSE_TIME_POINTS = 5000;

/** The bucket that gives a chart a few dozen to a few hundred points over the range. */
export function bucketFor(rangeMs: number): Bucket {
  if (rangeMs <= 2 * BUCKET_MS['1h']) return '1m';
  if (rangeMs <= 12 * BUCKET_MS['1h']) return '5m';
  if (rangeMs <= 2 * BUCKET_MS['1d']) return '15m';
  if (rangeMs <= 14 * BUCKET_MS['1d']) return '1h';
  return '1d';
}

/** The most points a series over the range in these buckets holds (both ends' buckets whole). */
export function pointsOver(fromMs: number, toMs: number, bucket: Bucket): number {
  return Math.ceil((toMs - fromMs) / BUCKET_MS[bucket]) + 1;
}

/**
 * Monitors one `GET /monitors/response-times` asks about: a screenful of a list (its sparklines);
 * with the default 15-minute buckets over 24 h the answer stays near 1 MB.
 */
export const MAX_RESPONSE_TIME_IDS = 100;

/** A query parameter of ids: repeats count once (a GET reads, nothing is stored from it). */
const monitorIdsParameter = z
  .string({ message: 'must be monitor ids (UUIDs) separated by commas' })
  .transform((ids) => [
    ...new Set(
      ids
        .split(',')
        .map((id) => id.trim().toLowerCase())
        .filter(Boolean),
    ),
  ])
  .pipe(
    z
      .array(z.uuid({ message: 'must be a monitor id (UUID)' }))
      .min(1, 'must name at least one monitor')
      .max(
        MAX_RESPONSE_TIME_IDS,
        `must name at most ${MAX_RESPONSE_TIME_IDS} monitors: ask again for the rest`,
      ),
  );

/** `GET /monitors/response-times` query: several monitors' series over one range. */
export const ResponseTimesBatchQuerySchema = ResponseTimesQuerySchema.extend({
  ids: monitorIdsParameter.meta({
    description: `Monitor ids separated by commas, at most ${MAX_RESPONSE_TIME_IDS}; duplicates count once.`,
  }),
}).strict();
export type ResponseTimesBatchQuery = z.output<typeof ResponseTimesBatchQuerySchema>;

/** One monitor's points in a batch answer. */
export const MonitorResponseTimesSchema = z.object({
  monitorId: z.uuid(),
  points: z.array(ResponseTimePointSchema),
});
export type MonitorResponseTimes = z.output<typeof MonitorResponseTimesSchema>;

/** Several monitors' series over one range and bucket, in the order asked. */
export const ResponseTimesBatchSchema = z.object({
  bucket: z.enum(BUCKETS),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  items: z.array(MonitorResponseTimesSchema),
});
export type ResponseTimesBatch = z.output<typeof ResponseTimesBatchSchema>;

/**
 * Points one `GET /monitors/response-times` answer holds at most (ids times points per series):
 * 100 monitors over 7 days in hours, ~2 MB of JSON.
 */
export const MAX_RESPONSE_TIME_BATCH_POINTS = 20_000;

/** `GET /monitors/response-times`: the series of the caller's monitors, and the ids that are not. */
export const ResponseTimesBatchReplySchema = ResponseTimesBatchSchema.extend({
  unknownIds: z.array(z.uuid()).meta({
    description:
      'Ids asked that name no monitor of the team (deleted, mistyped or of another team): no series.',
  }),
});
export type ResponseTimesBatchReply = z.output<typeof ResponseTimesBatchReplySchema>;

/**
 * `metrics.response-times.many`: the range resolved by the caller (so that every chunk of a
 * larger question shares it); the metrics service refuses more than MAX_RESPONSE_TIME_POINTS
 * points in all (ids times points per series), to keep its answer within one message.
 */
export const ResponseTimesBatchRequestSchema = z
  .object({
    monitorIds: z.array(z.uuid()).min(1).max(MAX_RESPONSE_TIME_IDS),
    from: isoTime,
    to: isoTime,
    bucket: z.enum(BUCKETS),
  })
  .strict();
export type ResponseTimesBatchRequest = z.output<typeof ResponseTimesBatchRequestSchema>;

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
  /**
   * Slots recorded as not checked in the last 24 h (every reason); never part of the uptime.
   * Defaults to 0 so that an answer from a metrics service older than the field still reads.
   */
  missed24h: z.number().int().default(0),
});
export type MonitorLatest = z.output<typeof MonitorLatestSchema>;

export const DeleteChecksRequestSchema = z.object({ monitorId: z.uuid() }).strict();
