import type { ClickHouseClient } from '@clickhouse/client';
import { toClickHouseTime } from '../../../apps/metrics/src/checks/check-rows';
import { assertIdentifier } from '../../../apps/metrics/src/checks/clickhouse-schema';
import { sleep } from './stats';

const MINUTE_MS = 60_000;

export interface SeedPlan {
  database: string;
  monitorIds: string[];
  ownerId: string;
  region: string;
  /** One check per monitor per minute over this many days, ending before `until`. */
  days: number;
  until: Date;
  /** Monitors per INSERT: bounds the memory of one statement. */
  monitorsPerInsert: number;
}

export interface SeedResult {
  rows: number;
  seconds: number;
}

export interface TableSize {
  table: string;
  rows: number;
  parts: number;
  bytesOnDisk: number;
}

/**
 * The columns of `checks` as the schema names them, generated in ClickHouse itself (a network of
 * JSON rows would measure the client, not the store). Per row: `n` is the global row number,
 * `m` the monitor's index, and `fate` (0–9,999) decides what happened to the check.
 */
function seedSelect(db: string): string {
  return `
    INSERT INTO ${db}.checks (check_id, monitor_id, owner_id, region, scheduled_at, started_at,
      outcome, error_kind, http_status, latency_ms, dns_ms, connect_ms, tls_ms, first_byte_ms,
      transfer_ms, size_bytes, message, certificate_expires_at, on_demand)
    SELECT
      generateUUIDv4(n) AS check_id,
      monitor_id,
      {owner:UUID} AS owner_id,
      {region:String} AS region,
      scheduled_at,
      scheduled_at + toIntervalMillisecond(1 + r2 % 40) AS started_at,
      multiIf(fate < 52, 'down', fate < 152, 'degraded', 'up') AS outcome,
      multiIf(fate < 2, 'prober_error', fate < 22, 'timeout', fate < 32, 'connect',
        fate < 52, 'http_status', '') AS error_kind,
      multiIf(fate < 32, NULL, fate < 52, 503, 200) AS http_status,
      multiIf(fate < 2, 0, fate < 22, 10000, fate < 32, 1 + dns,
        fate < 152 AND fate >= 52, 1000 + normal_ms * 2, normal_ms) AS latency_ms,
      if(fate < 2, NULL, dns) AS dns_ms,
      if(fate < 32 AND fate >= 22 OR fate < 2, NULL, conn) AS connect_ms,
      if(fate < 32 AND fate >= 22 OR fate < 2, NULL, tls) AS tls_ms,
      if(fate < 32, NULL, greatest(latency_ms - dns - conn - tls - transfer, 1)) AS first_byte_ms,
      if(fate < 32, NULL, transfer) AS transfer_ms,
      if(fate < 32, 0, 256 + cityHash64(m, 2) % 8192 + r2 % 64) AS size_bytes,
      multiIf(fate < 2, 'prober could not run the check',
        fate < 22, 'no response within 10000 ms',
        fate < 32, 'connect ECONNREFUSED',
        fate < 52, 'status 503 is not one of 200-299',
        fate < 152, concat('latency ', toString(round(latency_ms)), ' ms above 1000 ms'),
        '') AS message,
      if(fate < 32, NULL,
        toDateTime64({until:DateTime64(3, 'UTC')}, 3, 'UTC') + toIntervalDay(20 + m % 300))
        AS certificate_expires_at,
      false AS on_demand
    FROM (
      SELECT
        number AS n,
        intDiv(number, {minutes:UInt64}) AS m,
        {ids:Array(UUID)}[m + 1] AS monitor_id,
        -- Each monitor has its own phase within the minute, as the scheduler spreads them.
        addMinutes({start:DateTime64(3, 'UTC')}, number % {minutes:UInt64})
          + toIntervalSecond(cityHash64(m) % 60) AS scheduled_at,
        rand(1) % 10000 AS fate,
        rand(2) AS r2,
        -- A monitor answers in 20 to 200 ms; each check varies around that with a long tail.
        toFloat64(20 + cityHash64(m, 1) % 180) AS base_ms,
        base_ms * (0.85 + 0.3 * randCanonical(3)) - log(1 - randCanonical(4)) * base_ms * 0.2
          AS normal_ms,
        0.3 + (r2 % 200) / 100 AS dns,
        0.5 + intDiv(r2, 256) % 800 / 100 AS conn,
        2 + intDiv(r2, 65536) % 1000 / 100 AS tls,
        0.2 + intDiv(r2, 16777216) % 100 / 20 AS transfer
      FROM numbers({first:UInt64}, {count:UInt64})
    )`;
}

/**
 * Fills `checks` with one check per monitor per minute: ~0.5 % down (timeouts, refused
 * connections, 503s), ~1 % degraded, a few prober errors (which no statistic may count). The
 * rollups fill themselves: their materialized views fire on these inserts as on any other.
 */
export async function seedChecks(client: ClickHouseClient, plan: SeedPlan): Promise<SeedResult> {
  const db = assertIdentifier(plan.database);
  const minutes = plan.days * 24 * 60;
  const end = Math.floor(plan.until.getTime() / MINUTE_MS) * MINUTE_MS;
  // The last slot (plus its phase, under a minute) stays before `until`.
  const start = new Date(end - minutes * MINUTE_MS);
  const began = performance.now();
  for (let from = 0; from < plan.monitorIds.length; from += plan.monitorsPerInsert) {
    const count = Math.min(plan.monitorsPerInsert, plan.monitorIds.length - from);
    await client.command({
      query: seedSelect(db),
      query_params: {
        owner: plan.ownerId,
        region: plan.region,
        until: toClickHouseTime(plan.until),
        minutes,
        ids: plan.monitorIds,
        start: toClickHouseTime(start),
        first: from * minutes,
        count: count * minutes,
      },
    });
  }
  return {
    rows: plan.monitorIds.length * minutes,
    seconds: (performance.now() - began) / 1000,
  };
}

/** Waits until no merge runs (as after hours of quiet ingest), at most `timeoutMs`. */
export async function settleMerges(
  client: ClickHouseClient,
  database: string,
  timeoutMs: number,
): Promise<{ seconds: number; settled: boolean }> {
  const began = performance.now();
  let quiet = 0;
  while (performance.now() - began < timeoutMs) {
    const [row] = await select<{ running: string }>(
      client,
      `SELECT count() AS running FROM system.merges WHERE database = {db:String}`,
      { db: database },
    );
    quiet = Number(row?.running ?? 0) === 0 ? quiet + 1 : 0;
    // Merges are scheduled a moment after the previous ones end: a few quiet polls in a row.
    if (quiet >= 5) return { seconds: (performance.now() - began) / 1000, settled: true };
    await sleep(1000);
  }
  return { seconds: (performance.now() - began) / 1000, settled: false };
}

export async function tableSizes(client: ClickHouseClient, database: string): Promise<TableSize[]> {
  const rows = await select<{ table: string; rows: string; parts: string; bytes: string }>(
    client,
    `SELECT table, sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes
     FROM system.parts WHERE database = {db:String} AND active
     GROUP BY table ORDER BY table`,
    { db: database },
  );
  return rows.map((r) => ({
    table: r.table,
    rows: Number(r.rows),
    parts: Number(r.parts),
    bytesOnDisk: Number(r.bytes),
  }));
}

async function select<T>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown>,
): Promise<T[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}
