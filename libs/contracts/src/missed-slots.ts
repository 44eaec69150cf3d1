import { createHash } from 'node:crypto';
import { z } from 'zod';
import { decodeBatch, payloadsOf } from './batches';
import { type StreamDefinition } from './subjects';

const MINUTE_NANOS = 60 * 1_000_000_000;

/**
 * Why a slot was not checked:
 * - `late`: the platform fell behind by more than the monitor's interval — the scheduler reached
 *   the slot that late, or the slot's job still waited in PROBE_JOBS when the next one was due;
 * - `no_prober`: as `late`, while the slot's region had no live prober;
 * - `dropped`: a prober took the job after its interval had passed and discarded it;
 * - `unpublished`: the work queue did not take the slot's job (NATS away) before the monitor's
 *   next slot was due.
 */
export const MISSED_REASONS = ['late', 'no_prober', 'dropped', 'unpublished'] as const;
export type MissedReason = (typeof MISSED_REASONS)[number];

/**
 * One slot that was not checked. `checkId` is the id its check would have had, so a slot missed
 * and also checked (a job still running when the next was due) counts as checked, once.
 */
export const MissedSlotSchema = z.object({
  checkId: z.uuid(),
  monitorId: z.uuid(),
  ownerId: z.uuid(),
  region: z.string().min(1).max(63),
  scheduledAt: z.iso.datetime(),
  reason: z.enum(MISSED_REASONS),
  /** When the miss was noticed (the lag it reveals is `recordedAt - scheduledAt`). */
  recordedAt: z.iso.datetime(),
});
export type MissedSlot = z.output<typeof MissedSlotSchema>;

/**
 * Missed slots on their way to the metrics service, from the scheduler and the probers, up to
 * MAX_MISSED_PER_MESSAGE in a message. A record is ~250 bytes; 256 MiB holds a million of them
 * for a metrics service that is away.
 */
export const MissedSlotStream = {
  name: 'MISSED_SLOTS',
  subjectPrefix: 'check.missed',
  subjects: ['check.missed.*'],
  retention: 'limits',
  duplicateWindowNanos: 2 * MINUTE_NANOS,
  maxAgeNanos: 24 * 60 * MINUTE_NANOS,
  maxBytes: {
    variable: 'MISSED_SLOTS_MAX_MB',
    defaultMiB: 256,
    description:
      'size of `MISSED_SLOTS` (24 h of slots not checked, on their way to the metrics service); full, new records are refused and only counted',
  },
  discard: 'new',
  maxMsgsPerSubject: 0,
} as const satisfies StreamDefinition;

export function missedSlotSubject(region: string): string {
  return `${MissedSlotStream.subjectPrefix}.${region}`;
}

/**
 * Most records one MISSED_SLOTS message carries. A platform that falls behind misses slots by
 * the thousand each second: one message per record (a publish, a stream ack, a delivery, a
 * validation and an ack each) added work exactly where it was short (docs/performance.md).
 */
export const MAX_MISSED_PER_MESSAGE = 500;

/**
 * The records of one MISSED_SLOTS message, not yet validated: an array (the scheduler's and the
 * probers' batches) or a single record (a publisher older than batches).
 */
export function missedSlotPayloadsOf(message: unknown): unknown[] {
  return payloadsOf(message);
}

/** The records of one MISSED_SLOTS message, trusted as they are: for readers that only look. */
export function decodeMissedSlots(data: Uint8Array): MissedSlot[] {
  return decodeBatch<MissedSlot>(data);
}

/** The metrics service's durable cursor on MISSED_SLOTS. */
export const MISSED_SLOTS_CONSUMER = 'metrics-missed-slots';

/**
 * A monitor runs at fixed slots `phase + k × interval` (epoch ms). The phase comes from a hash of
 * the monitor id, so a thousand monitors created at once spread over their interval, and every
 * scheduler instance computes the same slots; the metrics service counts the expected ones.
 */
export function phaseOf(monitorId: string, intervalMs: number): number {
  const hash = createHash('sha1').update(monitorId).digest();
  return hash.readUInt32BE(0) % intervalMs;
}

/** How many slots of the monitor fall in [fromMs, toMs). */
export function slotsBetween(
  monitorId: string,
  intervalMs: number,
  fromMs: number,
  toMs: number,
): number {
  if (toMs <= fromMs) return 0;
  const phase = phaseOf(monitorId, intervalMs);
  const firstIndex = Math.ceil((fromMs - phase) / intervalMs);
  const endIndex = Math.ceil((toMs - phase) / intervalMs);
  return Math.max(0, endIndex - firstIndex);
}

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

/** `GET /monitors/{id}/coverage` query: both ends required, at most 31 days apart. */
export const CoverageQuerySchema = z
  .object({
    from: isoTime.meta({ description: 'ISO 8601, inclusive' }),
    to: isoTime.meta({ description: 'ISO 8601, exclusive; a future end counts up to now' }),
  })
  .strict()
  .superRefine((q, ctx) => {
    const span = Date.parse(q.to) - Date.parse(q.from);
    if (span <= 0) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    else if (span > MAX_COVERAGE_DAYS * 24 * 3_600_000)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `must be at most ${MAX_COVERAGE_DAYS} days after from`,
      });
  });
export type CoverageQuery = z.output<typeof CoverageQuerySchema>;
export const MAX_COVERAGE_DAYS = 31;

/**
 * What the metrics service needs to count a monitor's slots: its id, range, current interval,
 * the regions it runs from (empty: those its stored slots name) and since when it exists.
 */
export const CoverageRequestSchema = z
  .object({
    monitorId: z.uuid(),
    from: isoTime,
    to: isoTime,
    intervalSeconds: z.number().int().positive(),
    regions: z.array(z.string()),
    since: isoTime,
  })
  .strict();
export type CoverageRequest = z.output<typeof CoverageRequestSchema>;

const missedByReasonShape = Object.fromEntries(
  MISSED_REASONS.map((reason) => [reason, z.number().int()]),
) as Record<MissedReason, z.ZodNumber>;

/**
 * Slots of one monitor in a range, per region: `expected` from its interval (since it exists, up
 * to now), `run` those whose check ran and is stored, `late` of them those started more than
 * `LATE_CHECK_MS` after their slot, `missed` those recorded as not checked (by reason), `stored`
 * every slot with a record (`run + missed`); `expected - stored` are still on their way, or lost.
 * Missed slots count in no uptime and no downtime.
 */
export const CoverageSchema = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  expected: z.number().int(),
  run: z.number().int(),
  stored: z.number().int(),
  late: z.number().int(),
  missed: z.number().int(),
  missedByReason: z.object(missedByReasonShape),
  /** `run / expected` in percent; null when nothing was expected. */
  coveragePercent: z.number().nullable(),
});
export type Coverage = z.output<typeof CoverageSchema>;

/** A check started this long after its slot counts as `late` in coverage. */
export const LATE_CHECK_MS = 1000;
