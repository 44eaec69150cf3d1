import { Injectable } from '@nestjs/common';
import {
  type Coverage,
  type CoverageRequest,
  LATE_CHECK_MS,
  MISSED_REASONS,
  type MissedReason,
  slotsBetween,
} from '@uptime/contracts';
import { TIME, toClickHouseTime } from '../checks/check-rows';
import { ChecksDatabase } from '../checks/checks-database';

/** ClickHouse prints UInt64 as a JSON string. */
type Count = number | string;

interface CoverageRow {
  run: Count;
  late: Count;
  regions: string[];
  missed: [string, Count][];
}

/**
 * How many of a monitor's slots in a range were checked, late, or missed and why: the raw
 * checks (scheduled ones only) beside `missed_slots`. A slot both missed and checked (its job
 * still ran when the next was due) counts as run only; a slot missed twice counts once, under
 * the reason recorded first.
 */
@Injectable()
export class SlotCoverage {
  constructor(private readonly database: ChecksDatabase) {}

  async of(req: CoverageRequest, now = new Date()): Promise<Coverage> {
    const from = Date.parse(req.from);
    const to = Math.min(Date.parse(req.to), now.getTime());
    const db = this.database.name;
    const range = `monitor_id = {monitorId:UUID}
         AND scheduled_at >= {from:${TIME}} AND scheduled_at < {to:${TIME}}`;
    const [row] = await this.database.select<CoverageRow>(
      `SELECT checked.run AS run, checked.late AS late,
         arrayDistinct(arrayConcat(checked.regions, missed.regions)) AS regions,
         missed.by_reason AS missed
       FROM (
         SELECT uniqExact(check_id) AS run,
           uniqExactIf(check_id,
             toUnixTimestamp64Milli(started_at) - toUnixTimestamp64Milli(scheduled_at) > {lateMs:Int64}) AS late,
           groupUniqArray(region) AS regions
         FROM ${db}.checks WHERE ${range} AND NOT on_demand
       ) AS checked
       CROSS JOIN (
         SELECT groupArray((reason, n)) AS by_reason, groupUniqArrayArray(regions) AS regions
         FROM (
           SELECT reason, count() AS n, groupUniqArray(region) AS regions
           FROM (
             SELECT check_id, argMin(reason, recorded_at) AS reason, any(region) AS region
             FROM ${db}.missed_slots
             WHERE ${range}
               AND check_id NOT IN (SELECT check_id FROM ${db}.checks WHERE ${range})
             GROUP BY check_id
           )
           GROUP BY reason
         )
       ) AS missed`,
      {
        monitorId: req.monitorId,
        from: toClickHouseTime(new Date(from)),
        to: toClickHouseTime(new Date(Math.max(from, to))),
        lateMs: LATE_CHECK_MS,
      },
      { max_threads: 1 },
    );
    const missedByReason = Object.fromEntries(MISSED_REASONS.map((r) => [r, 0])) as Record<
      MissedReason,
      number
    >;
    for (const [reason, n] of row?.missed ?? [])
      if (reason in missedByReason) missedByReason[reason as MissedReason] = Number(n);
    const run = Number(row?.run ?? 0);
    const missed = Object.values(missedByReason).reduce((a, b) => a + b, 0);
    const regions = req.regions.length > 0 ? req.regions.length : (row?.regions.length ?? 0);
    const start = Math.max(from, Date.parse(req.since) + 1);
    const expected =
      slotsBetween(req.monitorId, req.intervalSeconds * 1000, start, to) * Math.max(1, regions);
    return {
      from: new Date(from).toISOString(),
      to: new Date(Math.max(from, to)).toISOString(),
      expected,
      run,
      stored: run + missed,
      late: Number(row?.late ?? 0),
      missed,
      missedByReason,
      coveragePercent: expected > 0 ? Math.round((run / expected) * 10_000) / 100 : null,
    };
  }
}
