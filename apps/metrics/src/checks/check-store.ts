import type { ClickHouseSettings } from '@clickhouse/client';
import { Injectable } from '@nestjs/common';
import type {
  Bucket,
  CheckResult,
  ChecksQuery,
  CheckTotals,
  DailyFigures,
  MonitorLatest,
  Page,
  MonitorResponseTimes,
  ResponseTimeSeries,
  ResponseTimesRequest,
  StatsWindow,
} from '@uptime/contracts';
import { bucketFor, decodeKeysetCursor, encodeKeysetCursor } from '@uptime/contracts';
import {
  CHECK_COLUMNS,
  type CheckRow,
  fromCheckRow,
  type LatestRow,
  type StatsRow,
  type StoredStats,
  TIME,
  toClickHouseTime,
  toLatest,
  toPoint,
  toCheckTotals,
  toStats,
  type Totals,
} from './check-rows';
import { ChecksDatabase, type QueryParams } from './checks-database';

export { bucketFor, InvalidCursorError } from '@uptime/contracts';
export type { Bucket } from '@uptime/contracts';
export type ResponseTimesRange = Omit<ResponseTimesRequest, 'monitorId'>;

/** Prober errors say nothing about the monitor; maintenance is left out of uptime. */
const COUNTED = "error_kind != 'prober_error' AND NOT in_maintenance";
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/**
 * For a read of one monitor's range: a few granules, nothing to spread over threads. One thread
 * saves the set-up of a parallel pipeline per query and leaves the other cores to the app.
 */
const ONE_MONITOR: ClickHouseSettings = { max_threads: 1 };

type Rollup = 'checks_1m' | 'checks_1h';

/** Short windows read raw checks (exact); long ones the rollups (cheap). */
const WINDOWS: Record<StatsWindow, { ms: number; source: 'checks' | Rollup }> = {
  '1h': { ms: HOUR_MS, source: 'checks' },
  '24h': { ms: DAY_MS, source: 'checks' },
  '7d': { ms: 7 * DAY_MS, source: 'checks_1m' },
  '30d': { ms: 30 * DAY_MS, source: 'checks_1h' },
};

/** Each bucket from the finest rollup it aligns with; both outlive raw checks. */
const BUCKET_SOURCES: Record<Bucket, { table: Rollup; interval: string }> = {
  '1m': { table: 'checks_1m', interval: 'INTERVAL 1 MINUTE' },
  '5m': { table: 'checks_1m', interval: 'INTERVAL 5 MINUTE' },
  '15m': { table: 'checks_1m', interval: 'INTERVAL 15 MINUTE' },
  '1h': { table: 'checks_1h', interval: 'INTERVAL 1 HOUR' },
  '1d': { table: 'checks_1h', interval: 'INTERVAL 1 DAY' },
};

const ROLLUP_START: Record<Rollup, string> = {
  checks_1m: 'toStartOfMinute',
  checks_1h: 'toStartOfHour',
};

/**
 * Reads of the stored checks: history from the raw `checks` table, stats and charts from it or
 * its 1-minute and 1-hour rollups, status from `checks_latest` (see clickhouse-schema.ts). Every
 * value reaches SQL as a query parameter; only the database name and constants of this file are
 * part of the SQL text. CheckWriter writes them, MonitorErasure removes a monitor's.
 */
@Injectable()
export class CheckStore {
  constructor(private readonly database: ChecksDatabase) {}

  private get db(): string {
    return this.database.name;
  }

  async list(monitorId: string, query: ChecksQuery): Promise<Page<CheckResult>> {
    const after = decodeKeysetCursor(query.cursor);
    const descending = query.sort === 'desc';
    const where = ['monitor_id = {monitorId:UUID}'];
    const params: QueryParams = { monitorId, limit: query.limit + 1 };
    if (query.from) {
      where.push(`scheduled_at >= {from:${TIME}}`);
      params.from = toClickHouseTime(query.from);
    }
    if (query.to) {
      where.push(`scheduled_at < {to:${TIME}}`);
      params.to = toClickHouseTime(query.to);
    }
    if (query.outcome) {
      where.push('outcome = {outcome:String}');
      params.outcome = query.outcome;
    }
    if (after) {
      // The plain bound lets the primary key skip granules; the tuple decides ties.
      const op = descending ? '<' : '>';
      where.push(`scheduled_at ${op}= {afterAt:${TIME}}`);
      where.push(`(scheduled_at, check_id) ${op} ({afterAt:${TIME}}, {afterId:UUID})`);
      params.afterAt = toClickHouseTime(after.t);
      params.afterId = after.id;
    }
    const direction = descending ? 'DESC' : 'ASC';
    const rows = await this.database.select<CheckRow>(
      `SELECT ${CHECK_COLUMNS} FROM ${this.db}.checks FINAL
       WHERE ${where.join(' AND ')}
       ORDER BY scheduled_at ${direction}, check_id ${direction}
       LIMIT {limit:UInt32}`,
      params,
      ONE_MONITOR,
    );
    const items = rows.slice(0, query.limit).map(fromCheckRow);
    const last = items.at(-1);
    const more = rows.length > query.limit && last !== undefined;
    return {
      items,
      nextCursor: more ? encodeKeysetCursor({ t: last.scheduledAt, id: last.id }) : null,
    };
  }

  /**
   * Prober errors count nowhere; `degraded` counts as up. `now` ends the window; the current
   * status is the newest counted check stored. One query: the totals and the monitor's row of
   * `checks_latest` side by side, since each round trip to ClickHouse costs milliseconds.
   */
  async stats(
    monitorId: string,
    window: StatsWindow,
    now = new Date(),
    region?: string,
  ): Promise<StoredStats> {
    const { ms, source } = WINDOWS[window];
    const since = new Date(now.getTime() - ms);
    if (region !== undefined) return this.regionStats(monitorId, window, since, now, region);
    const totals = source === 'checks' ? this.rawTotalsSql() : this.rollupTotalsSql(source);
    const [row] = await this.database.select<StatsRow>(
      `SELECT * FROM (${totals}) AS totals
       CROSS JOIN (
         SELECT count() AS known, argMaxMerge(last_check) AS last_check,
           argMaxIfMerge(last_certificate) AS last_certificate
         FROM ${this.db}.checks_latest WHERE monitor_id = {monitorId:UUID}
       ) AS latest`,
      { monitorId, since: toClickHouseTime(since), until: toClickHouseTime(now) },
      ONE_MONITOR,
    );
    return toStats(window, row);
  }

  /**
   * One region's figures: the rollups and `checks_latest` do not keep regions apart, so these
   * read the raw checks, for every window (one monitor and one region: at most 30 days of one
   * region's rows, which the raw table keeps by default).
   */
  private async regionStats(
    monitorId: string,
    window: StatsWindow,
    since: Date,
    now: Date,
    region: string,
  ): Promise<StoredStats> {
    const [row] = await this.database.select<StatsRow>(
      `SELECT * FROM (${this.rawTotalsSql('AND region = {region:String}')}) AS totals
       CROSS JOIN (
         SELECT count() AS known,
           argMax((started_at, outcome, latency_ms), (scheduled_at, started_at)) AS last_check
         FROM ${this.db}.checks FINAL
         WHERE monitor_id = {monitorId:UUID} AND region = {region:String} AND ${COUNTED}
       ) AS latest`,
      { monitorId, region, since: toClickHouseTime(since), until: toClickHouseTime(now) },
      ONE_MONITOR,
    );
    return { ...toStats(window, row), region };
  }

  async responseTimes(
    monitorId: string,
    range: ResponseTimesRange,
    now = new Date(),
  ): Promise<ResponseTimeSeries> {
    const to = range.to ? new Date(range.to) : now;
    const from = range.from ? new Date(range.from) : new Date(to.getTime() - DAY_MS);
    const bucket = range.bucket ?? bucketFor(to.getTime() - from.getTime());
    const { table, interval } = BUCKET_SOURCES[bucket];
    // A point covers its whole bucket, so the first may start before `from`; the last rollup
    // bucket before `to` may hold up to one rollup bucket of checks after it.
    const rows = await this.database.select<Totals & { at: string }>(
      `SELECT toStartOfInterval(bucket, ${interval}) AS at,
         sum(checks) AS checks, sum(down) AS down, sum(latency_sum) AS latency_sum,
         quantilesMerge(0.5, 0.95, 0.99)(latency_quantiles) AS q
       FROM ${this.db}.${table}
       WHERE monitor_id = {monitorId:UUID}
         AND bucket >= toStartOfInterval({from:${TIME}}, ${interval}) AND bucket < {to:${TIME}}
       GROUP BY at
       ORDER BY at`,
      { monitorId, from: toClickHouseTime(from), to: toClickHouseTime(to) },
      ONE_MONITOR,
    );
    return {
      bucket,
      from: from.toISOString(),
      to: to.toISOString(),
      points: rows.map(toPoint),
    };
  }

  /**
   * Several monitors' series over one range, in the order given (a monitor without checks has
   * no points), in one query: the dashboard's sparklines, one question instead of one a monitor.
   */
  async responseTimesOf(
    monitorIds: readonly string[],
    from: Date,
    to: Date,
    bucket: Bucket,
  ): Promise<MonitorResponseTimes[]> {
    const { table, interval } = BUCKET_SOURCES[bucket];
    const rows = await this.database.select<Totals & { at: string; monitor_id: string }>(
      `SELECT monitor_id, toStartOfInterval(bucket, ${interval}) AS at,
         sum(checks) AS checks, sum(down) AS down, sum(latency_sum) AS latency_sum,
         quantilesMerge(0.5, 0.95, 0.99)(latency_quantiles) AS q
       FROM ${this.db}.${table}
       WHERE monitor_id IN {monitorIds:Array(UUID)}
         AND bucket >= toStartOfInterval({from:${TIME}}, ${interval}) AND bucket < {to:${TIME}}
       GROUP BY monitor_id, at
       ORDER BY monitor_id, at`,
      { monitorIds: [...monitorIds], from: toClickHouseTime(from), to: toClickHouseTime(to) },
    );
    const byMonitor = new Map<string, MonitorResponseTimes['points']>();
    for (const row of rows) {
      const id = row.monitor_id.toLowerCase();
      const points = byMonitor.get(id) ?? [];
      points.push(toPoint(row));
      byMonitor.set(id, points);
    }
    return monitorIds.map((monitorId) => ({
      monitorId,
      points: byMonitor.get(monitorId.toLowerCase()) ?? [],
    }));
  }

  /**
   * Newest counted check, newest certificate expiry seen and 24 h uptime of each monitor, in the
   * given order, in one query. The
   * uptime counts whole hours from the hourly rollup (24 to 25 hours): exact minutes would read
   * a granule of raw or 1-minute rows per monitor, ~100 times more for a dashboard of 1,000.
   */
  async latest(monitorIds: string[], now = new Date()): Promise<MonitorLatest[]> {
    if (monitorIds.length === 0) return [];
    const rows = await this.database.select<LatestRow>(
      `SELECT latest.monitor_id AS monitor_id, latest.last_check AS last_check,
         latest.last_certificate AS last_certificate,
         day.checks AS checks_24h, day.down AS down_24h
       FROM (
         SELECT monitor_id, argMaxMerge(last_check) AS last_check,
           argMaxIfMerge(last_certificate) AS last_certificate
         FROM ${this.db}.checks_latest WHERE monitor_id IN {monitorIds:Array(UUID)}
         GROUP BY monitor_id
       ) AS latest
       LEFT JOIN (
         SELECT monitor_id, sum(checks) AS checks, sum(down) AS down
         FROM ${this.db}.checks_1h
         WHERE monitor_id IN {monitorIds:Array(UUID)}
           AND bucket >= toStartOfHour({since:${TIME}}) AND bucket <= {now:${TIME}}
         GROUP BY monitor_id
       ) AS day ON day.monitor_id = latest.monitor_id`,
      {
        monitorIds,
        since: toClickHouseTime(new Date(now.getTime() - DAY_MS)),
        now: toClickHouseTime(now),
      },
    );
    const byMonitor = new Map(rows.map((row) => [row.monitor_id, row]));
    const missed = await this.missedSince(monitorIds, new Date(now.getTime() - DAY_MS), now);
    return monitorIds.map((id) => ({
      ...toLatest(id, byMonitor.get(id.toLowerCase())),
      missed24h: missed.get(id.toLowerCase()) ?? 0,
    }));
  }

  /**
   * Missed slots recorded per monitor in a range, for the dashboard: the records only (a slot
   * whose check ran after all still counts here; coverage leaves it out, at the cost of reading
   * the raw checks).
   */
  private async missedSince(monitorIds: string[], since: Date, now: Date) {
    const rows = await this.database.select<{ monitor_id: string; missed: string | number }>(
      `SELECT monitor_id, uniqExact(check_id) AS missed
       FROM ${this.db}.missed_slots
       WHERE monitor_id IN {monitorIds:Array(UUID)}
         AND scheduled_at >= {since:${TIME}} AND scheduled_at <= {now:${TIME}}
       GROUP BY monitor_id`,
      { monitorIds, since: toClickHouseTime(since), now: toClickHouseTime(now) },
    );
    return new Map(rows.map((r) => [r.monitor_id.toLowerCase(), Number(r.missed)]));
  }

  /**
   * Counted checks of one monitor from `from` (inclusive) to `to` (exclusive), for SLA reports:
   * the 1-minute rollup for ranges within its year and up to 90 days long, else the hourly one
   * (kept five years). Whole buckets: the first may hold up to one bucket before `from`.
   */
  async totals(monitorId: string, from: Date, to: Date, now = new Date()): Promise<CheckTotals> {
    const fine =
      from.getTime() >= now.getTime() - 365 * DAY_MS &&
      to.getTime() - from.getTime() <= 90 * DAY_MS;
    const table: Rollup = fine ? 'checks_1m' : 'checks_1h';
    const [row] = await this.database.select<Totals & { degraded: string }>(
      `SELECT sum(checks) AS checks, sum(down) AS down, sum(degraded) AS degraded,
         sum(latency_sum) AS latency_sum,
         quantilesMerge(0.5, 0.95, 0.99)(latency_quantiles) AS q
       FROM ${this.db}.${table}
       WHERE monitor_id = {monitorId:UUID}
         AND bucket >= ${ROLLUP_START[table]}({from:${TIME}}) AND bucket < {to:${TIME}}`,
      { monitorId, from: toClickHouseTime(from), to: toClickHouseTime(to) },
      ONE_MONITOR,
    );
    return toCheckTotals(row, fine ? '1m' : '1h');
  }

  /**
   * Counted checks and failures per UTC day, the last `days` days up to today, oldest first, for
   * each monitor (status pages: one query for the whole page, from the hourly rollup). A day
   * without checks reads zero.
   */
  async dailyFigures(
    monitorIds: readonly string[],
    days: number,
    now = new Date(),
  ): Promise<{ monitorId: string; days: DailyFigures[] }[]> {
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const first = today - (days - 1) * DAY_MS;
    const rows =
      monitorIds.length === 0
        ? []
        : await this.database.select<{
            monitor_id: string;
            day: string;
            checks: string;
            down: string;
          }>(
            `SELECT monitor_id, toString(toDate(bucket)) AS day, sum(checks) AS checks, sum(down) AS down
             FROM ${this.db}.checks_1h
             WHERE monitor_id IN {monitorIds:Array(UUID)} AND bucket >= {first:${TIME}}
             GROUP BY monitor_id, day`,
            { monitorIds: [...monitorIds], first: toClickHouseTime(new Date(first)) },
          );
    const byKey = new Map(rows.map((r) => [`${r.monitor_id}/${r.day}`, r]));
    return monitorIds.map((monitorId) => ({
      monitorId,
      days: Array.from({ length: days }, (_, i) => {
        const date = new Date(first + i * DAY_MS).toISOString().slice(0, 10);
        const row = byKey.get(`${monitorId.toLowerCase()}/${date}`);
        return { date, checks: Number(row?.checks ?? 0), down: Number(row?.down ?? 0) };
      }),
    }));
  }

  /** Totals over raw checks from `since` to `until` (both inclusive): exact. */
  private rawTotalsSql(filter = ''): string {
    return `SELECT count() AS checks, countIf(outcome = 'down') AS down,
         sum(toFloat64(latency_ms)) AS latency_sum,
         quantiles(0.5, 0.95, 0.99)(latency_ms) AS q
       FROM ${this.db}.checks FINAL
       WHERE monitor_id = {monitorId:UUID} AND ${COUNTED} ${filter}
         AND scheduled_at >= {since:${TIME}} AND scheduled_at <= {until:${TIME}}`;
  }

  /**
   * Approximate at the edge: the first bucket is taken whole, so up to one bucket (a minute,
   * an hour) of checks before `since` is counted.
   */
  private rollupTotalsSql(table: Rollup): string {
    return `SELECT sum(checks) AS checks, sum(down) AS down, sum(latency_sum) AS latency_sum,
         quantilesMerge(0.5, 0.95, 0.99)(latency_quantiles) AS q
       FROM ${this.db}.${table}
       WHERE monitor_id = {monitorId:UUID}
         AND bucket >= ${ROLLUP_START[table]}({since:${TIME}}) AND bucket <= {until:${TIME}}`;
  }
}
