import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type {
  BUCKETS,
  CheckOutcome,
  CheckResult,
  ChecksQuery,
  MonitorLatest,
  MonitorStats,
  Page,
  ResponseTimePoint,
  ResponseTimeSeries,
  ResponseTimesRequest,
  StatsWindow,
} from '@uptime/contracts';
import { decodeKeysetCursor, encodeKeysetCursor } from '@uptime/contracts';
import {
  CHECK_COLUMNS,
  type CheckRow,
  fromCheckRow,
  fromClickHouseTime,
  toCheckRow,
  toClickHouseTime,
} from './check-rows';
import { assertIdentifier } from './clickhouse-schema';

export { InvalidCursorError } from '@uptime/contracts';

export type Bucket = (typeof BUCKETS)[number];
export type ResponseTimesRange = Omit<ResponseTimesRequest, 'monitorId'>;
export type StoredStats = Omit<MonitorStats, 'ongoingIncident'>;

type Params = Record<string, unknown>;
/** ClickHouse prints UInt64 (every count) as a JSON string. */
type Count = number | string;

const TIME = "DateTime64(3, 'UTC')";
const COUNTED = "error_kind != 'prober_error'";
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/**
 * For a read of one monitor's range: a few granules, nothing to spread over threads. One thread
 * saves the set-up of a parallel pipeline per query and leaves the other cores to the app.
 */
const ONE_MONITOR: ClickHouseSettings = { max_threads: 1 };
/** Ids per existence query: a server takes query parameters in the URL, which has a limit. */
const ID_CHUNK = 2000;

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

/** Aggregates over counted checks, raw or from a rollup; `q` is [p50, p95, p99]. */
interface Totals {
  checks: Count;
  down: Count;
  latency_sum: number;
  q: (number | null)[];
}

/** A `checks_latest` state merged: (started_at, outcome, latency_ms) of the newest counted check. */
type LastCheck = [string, CheckOutcome, number];

interface LatestRow {
  monitor_id: string;
  last_check: LastCheck;
  checks_24h: Count;
  down_24h: Count;
}

/**
 * Check results in ClickHouse: the raw `checks` table and its 1-minute and 1-hour rollups (see
 * clickhouse-schema.ts). Every value reaches SQL as a query parameter; only the database name
 * and constants of this file are part of the SQL text.
 */
export class CheckStore {
  private readonly db: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.db = assertIdentifier(database);
  }

  /**
   * Stores the checks it does not have yet, in one insert, and returns how many. A redelivered
   * batch thus inserts nothing, and the rollups, fed by what is inserted, never count twice.
   */
  async insert(results: CheckResult[]): Promise<number> {
    const unique = uniqueById(results);
    if (unique.length === 0) return 0;
    const [stored, deleted] = await Promise.all([
      this.storedIds(unique),
      this.deletedMonitors(unique),
    ]);
    const fresh = unique.filter(
      (r) => !stored.has(r.id.toLowerCase()) && !deleted.has(r.monitorId.toLowerCase()),
    );
    if (fresh.length === 0) return 0;
    await this.client.insert({
      table: `${this.db}.checks`,
      values: fresh.map(toCheckRow),
      format: 'JSONEachRow',
    });
    return fresh.length;
  }

  async list(monitorId: string, query: ChecksQuery): Promise<Page<CheckResult>> {
    const after = decodeKeysetCursor(query.cursor);
    const descending = query.sort === 'desc';
    const where = ['monitor_id = {monitorId:UUID}'];
    const params: Params = { monitorId, limit: query.limit + 1 };
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
    const rows = await this.select<CheckRow>(
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
  async stats(monitorId: string, window: StatsWindow, now = new Date()): Promise<StoredStats> {
    const { ms, source } = WINDOWS[window];
    const since = new Date(now.getTime() - ms);
    const totals = source === 'checks' ? this.rawTotalsSql() : this.rollupTotalsSql(source);
    const [row] = await this.select<Totals & { known: Count; last_check: LastCheck }>(
      `SELECT * FROM (${totals}) AS totals
       CROSS JOIN (
         SELECT count() AS known, argMaxMerge(last_check) AS last_check
         FROM ${this.db}.checks_latest WHERE monitor_id = {monitorId:UUID}
       ) AS latest`,
      { monitorId, since: toClickHouseTime(since), until: toClickHouseTime(now) },
      ONE_MONITOR,
    );
    const known = Number(row?.known ?? 0) > 0;
    return {
      window,
      ...summarise(row),
      currentStatus: known ? row!.last_check[1] : 'pending',
      lastCheckedAt: known ? fromClickHouseTime(row!.last_check[0]) : null,
    };
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
    const rows = await this.select<Totals & { at: string }>(
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
   * Newest counted check and 24 h uptime of each monitor, in the given order, in one query. The
   * uptime counts whole hours from the hourly rollup (24 to 25 hours): exact minutes would read
   * a granule of raw or 1-minute rows per monitor, ~100 times more for a dashboard of 1,000.
   */
  async latest(monitorIds: string[], now = new Date()): Promise<MonitorLatest[]> {
    if (monitorIds.length === 0) return [];
    const rows = await this.select<LatestRow>(
      `SELECT latest.monitor_id AS monitor_id, latest.last_check AS last_check,
         day.checks AS checks_24h, day.down AS down_24h
       FROM (
         SELECT monitor_id, argMaxMerge(last_check) AS last_check
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
    return monitorIds.map((id) => toLatest(id, byMonitor.get(id.toLowerCase())));
  }

  /** Removes the monitor's checks and rollups; done when the promise resolves. */
  /** A monitor deleted in the registry: its rows go, and results still in flight are refused. */
  async forgetMonitor(monitorId: string): Promise<void> {
    await this.client.insert({
      table: `${this.db}.deleted_monitors`,
      values: [{ monitor_id: monitorId }],
      format: 'JSONEachRow',
    });
    await this.deleteMonitor(monitorId);
  }

  private async deletedMonitors(results: CheckResult[]): Promise<Set<string>> {
    const monitorIds = [...new Set(results.map((r) => r.monitorId))];
    const rows = await this.select<{ monitor_id: string }>(
      `SELECT DISTINCT monitor_id FROM ${this.db}.deleted_monitors WHERE monitor_id IN {monitorIds:Array(UUID)}`,
      { monitorIds },
    );
    return new Set(rows.map((r) => r.monitor_id.toLowerCase()));
  }

  async deleteMonitor(monitorId: string): Promise<void> {
    for (const table of ['checks', 'checks_1m', 'checks_1h', 'checks_latest']) {
      await this.client.command({
        query: `DELETE FROM ${this.db}.${table} WHERE monitor_id = {monitorId:UUID}`,
        query_params: { monitorId },
        clickhouse_settings: { lightweight_deletes_sync: '2' },
      });
    }
  }

  /**
   * The ids of the batch already stored. A check id fixes its monitor and slot, so the
   * stored copy has the same scheduled_at and the range narrows the scan to a few parts.
   */
  private async storedIds(results: CheckResult[]): Promise<Set<string>> {
    const stored = new Set<string>();
    for (let i = 0; i < results.length; i += ID_CHUNK) {
      const chunk = results.slice(i, i + ID_CHUNK);
      const times = chunk.map((r) => Date.parse(r.scheduledAt));
      const rows = await this.select<{ id: string }>(
        `SELECT toString(check_id) AS id FROM ${this.db}.checks
         WHERE monitor_id IN {monitorIds:Array(UUID)} AND check_id IN {checkIds:Array(UUID)}
           AND scheduled_at BETWEEN {earliest:${TIME}} AND {latest:${TIME}}`,
        {
          monitorIds: [...new Set(chunk.map((r) => r.monitorId))],
          checkIds: chunk.map((r) => r.id),
          earliest: toClickHouseTime(new Date(Math.min(...times))),
          latest: toClickHouseTime(new Date(Math.max(...times))),
        },
      );
      for (const row of rows) stored.add(row.id);
    }
    return stored;
  }

  /** Totals over raw checks from `since` to `until` (both inclusive): exact. */
  private rawTotalsSql(): string {
    return `SELECT count() AS checks, countIf(outcome = 'down') AS down,
         sum(toFloat64(latency_ms)) AS latency_sum,
         quantiles(0.5, 0.95, 0.99)(latency_ms) AS q
       FROM ${this.db}.checks FINAL
       WHERE monitor_id = {monitorId:UUID} AND ${COUNTED}
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

  private async select<T>(
    query: string,
    params: Params,
    settings?: ClickHouseSettings,
  ): Promise<T[]> {
    const result = await this.client.query({
      query,
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: settings,
    });
    return result.json<T>();
  }
}

/** First occurrence of each id; ids compare case-insensitively, as ClickHouse's UUIDs do. */
function uniqueById(results: CheckResult[]): CheckResult[] {
  const seen = new Set<string>();
  return results.filter((r) => {
    const id = r.id.toLowerCase();
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The bucket that gives a chart a few dozen to a few hundred points over the range. */
export function bucketFor(rangeMs: number): Bucket {
  if (rangeMs <= 2 * HOUR_MS) return '1m';
  if (rangeMs <= 12 * HOUR_MS) return '5m';
  if (rangeMs <= 2 * DAY_MS) return '15m';
  if (rangeMs <= 14 * DAY_MS) return '1h';
  return '1d';
}

function summarise(
  totals: Totals | undefined,
): Omit<StoredStats, 'window' | 'currentStatus' | 'lastCheckedAt'> {
  const checks = Number(totals?.checks ?? 0);
  const down = Number(totals?.down ?? 0);
  if (totals === undefined || checks === 0) {
    return {
      totalChecks: 0,
      failedChecks: 0,
      uptimePercent: null,
      avgLatencyMs: null,
      p50: null,
      p95: null,
      p99: null,
    };
  }
  const [p50, p95, p99] = totals.q;
  return {
    totalChecks: checks,
    failedChecks: down,
    uptimePercent: round(((checks - down) / checks) * 100, 3),
    avgLatencyMs: round(totals.latency_sum / checks, 1),
    p50: roundOrNull(p50),
    p95: roundOrNull(p95),
    p99: roundOrNull(p99),
  };
}

function toPoint(row: Totals & { at: string }): ResponseTimePoint {
  const checks = Number(row.checks);
  return {
    at: fromClickHouseTime(row.at),
    checks,
    failures: Number(row.down),
    avgLatencyMs: checks === 0 ? null : round(row.latency_sum / checks, 1),
    p95LatencyMs: checks === 0 ? null : roundOrNull(row.q[1]),
  };
}

function toLatest(monitorId: string, row: LatestRow | undefined): MonitorLatest {
  if (row === undefined) {
    return {
      monitorId,
      lastCheckedAt: null,
      outcome: null,
      latencyMs: null,
      uptime24hPercent: null,
    };
  }
  const checks = Number(row.checks_24h);
  const down = Number(row.down_24h);
  const [startedAt, outcome, latencyMs] = row.last_check;
  return {
    monitorId,
    lastCheckedAt: fromClickHouseTime(startedAt),
    outcome,
    latencyMs,
    uptime24hPercent: checks === 0 ? null : round(((checks - down) / checks) * 100, 3),
  };
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function roundOrNull(value: number | null | undefined): number | null {
  return value === null || value === undefined || Number.isNaN(value) ? null : round(value, 1);
}
