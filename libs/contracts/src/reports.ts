import { z } from 'zod';

/**
 * SLA reports over a monitor's history: check figures from the rollups (kept five years) and
 * incident figures from the notifier, for any range within the last five years.
 */
export const REPORT_MAX_YEARS = 5;
const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;
/** A report's range when `from` is not given: the 30 days before `to`. */
export const REPORT_DEFAULT_DAYS = 30;
/** Rows one `checks.csv` answer holds at most; a longer range is read in several requests. */
export const MAX_CSV_ROWS = 50_000;

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

export const REPORT_FORMATS = ['json', 'csv'] as const;

/**
 * The range a report or download reads, its defaults applied: it must lie within the last five
 * years and span at most five years. Checked on the resolved ends, not only on those given, so
 * that `to` alone (its `from` derived) cannot reach before the kept history, and a far future
 * `to` cannot stretch a range past what the rollups hold.
 */
function rangeProblems(
  range: { from?: string; to?: string },
  ctx: z.RefinementCtx,
  defaultSpanMs: number,
  now = Date.now(),
): void {
  const maxBackMs = REPORT_MAX_YEARS * YEAR_MS;
  const to = range.to ? Date.parse(range.to) : now;
  const from = range.from ? Date.parse(range.from) : to - defaultSpanMs;
  const within = `must be within the last ${REPORT_MAX_YEARS} years`;
  if (range.from !== undefined && from >= to)
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
  else if (from < now - maxBackMs)
    ctx.addIssue({ code: 'custom', path: [range.from ? 'from' : 'to'], message: within });
  else if (to - from > maxBackMs)
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `must be at most ${REPORT_MAX_YEARS} years after from`,
    });
}

/** `GET /monitors/{id}/report`: `from` defaults to 30 days before `to`, `to` to now. */
export const ReportQuerySchema = z
  .object({
    from: isoTime.optional().meta({
      description: 'ISO 8601, inclusive; default 30 days before to; at most five years ago',
    }),
    to: isoTime.optional().meta({
      description: 'ISO 8601, exclusive; default now; at most five years after from',
    }),
    format: z
      .enum(REPORT_FORMATS, { message: 'must be json or csv' })
      .default('json')
      .meta({ description: '`csv` answers one header row and one row of figures' }),
  })
  .strict()
  .superRefine((range, ctx) => rangeProblems(range, ctx, REPORT_DEFAULT_DAYS * DAY_MS));
export type ReportQuery = z.output<typeof ReportQuerySchema>;

/** `GET /monitors/{id}/checks.csv`: `from` defaults to 24 h before `to`, `to` to now. */
export const ChecksCsvQuerySchema = z
  .object({
    from: isoTime.optional().meta({
      description: 'ISO 8601, inclusive; default 24 h before to; at most five years ago',
    }),
    to: isoTime.optional().meta({
      description: 'ISO 8601, exclusive; default now; at most five years after from',
    }),
  })
  .strict()
  .superRefine((range, ctx) => rangeProblems(range, ctx, DAY_MS));
export type ChecksCsvQuery = z.output<typeof ChecksCsvQuerySchema>;

/** The resolved range of a report, both ends given. */
export const ReportRangeSchema = z.object({ from: isoTime, to: isoTime });
export type ReportRange = z.output<typeof ReportRangeSchema>;

export const CheckTotalsRequestSchema = ReportRangeSchema.extend({ monitorId: z.uuid() }).strict();
export type CheckTotalsRequest = z.output<typeof CheckTotalsRequestSchema>;

/** Counted checks in a range: prober errors and checks in maintenance count nowhere. */
export const CheckTotalsSchema = z.object({
  checks: z.number().int(),
  downChecks: z.number().int(),
  degradedChecks: z.number().int(),
  uptimePercent: z.number().nullable(),
  avgLatencyMs: z.number().nullable(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  /** The rollup read: `1m` (ranges within the last year, up to 90 days long) or `1h`. */
  resolution: z.enum(['1m', '1h']),
});
export type CheckTotals = z.output<typeof CheckTotalsSchema>;

export const IncidentSummaryRequestSchema = ReportRangeSchema.extend({
  ownerId: z.uuid(),
  monitorId: z.uuid(),
}).strict();
export type IncidentSummaryRequest = z.output<typeof IncidentSummaryRequestSchema>;

/** `down` incidents overlapping a range; downtime is their overlap with it. */
export const IncidentSummarySchema = z.object({
  incidents: z.number().int(),
  downtimeSeconds: z.number(),
  /** Mean time to recovery of the incidents resolved within the range; null when none was. */
  mttrSeconds: z.number().nullable(),
  longestSeconds: z.number().nullable(),
});
export type IncidentSummary = z.output<typeof IncidentSummarySchema>;

export const MonitorReportSchema = z.object({
  monitorId: z.uuid(),
  name: z.string(),
  from: isoTime,
  to: isoTime,
  checks: CheckTotalsSchema,
  incidents: IncidentSummarySchema,
});
export type MonitorReport = z.output<typeof MonitorReportSchema>;
