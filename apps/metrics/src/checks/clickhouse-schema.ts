import type { ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseSchemaOptions {
  database: string;
  /** Raw checks older than this are dropped by TTL; the rollups live on. */
  rawRetentionDays: number;
}

/** The rollups: name, bucket function and how long they are kept. */
export const ROLLUPS = [
  { table: 'checks_1m', bucket: 'toStartOfMinute', keep: 'INTERVAL 1 YEAR' },
  { table: 'checks_1h', bucket: 'toStartOfHour', keep: 'INTERVAL 5 YEAR' },
] as const;

/**
 * Creates the database, the raw `checks` table and its rollups if missing, and applies a changed
 * raw retention. Safe to run at every boot: nothing is touched when the schema is already current.
 */
export async function migrateClickHouse(
  client: ClickHouseClient,
  options: ClickHouseSchemaOptions,
): Promise<void> {
  const db = assertIdentifier(options.database);
  const days = assertRetention(options.rawRetentionDays);
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await client.command({ query: checksTable(db, days) });
  for (const rollup of ROLLUPS) {
    await client.command({ query: rollupTable(db, rollup.table, rollup.keep) });
    await client.command({ query: rollupView(db, rollup.table, rollup.bucket) });
  }
  await client.command({ query: deletedMonitorsTable(db) });
  await applyRetention(client, db, days);
}

/**
 * Monitors deleted in the registry. A result of such a monitor can still arrive (a check in
 * flight when it was deleted, a redelivery); the store drops it instead of bringing the monitor's
 * rows back. Results live 24 h on the stream, so a week of memory is plenty.
 */
function deletedMonitorsTable(db: string): string {
  return `
    CREATE TABLE IF NOT EXISTS ${db}.deleted_monitors (
      monitor_id UUID,
      deleted_at DateTime('UTC') DEFAULT now()
    )
    ENGINE = ReplacingMergeTree
    ORDER BY monitor_id
    TTL deleted_at + INTERVAL 7 DAY`;
}

/** Database names end up in SQL text (identifiers cannot be query parameters), so only plain ones. */
export function assertIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`not a plain ClickHouse identifier: ${JSON.stringify(name)}`);
  }
  return name;
}

function assertRetention(days: number): number {
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(`raw retention must be a whole number of days, got ${days}`);
  }
  return days;
}

/**
 * One row per check. ReplacingMergeTree collapses a duplicate that slipped past the store's
 * existence check; error_kind is '' when the check did not fail.
 */
function checksTable(db: string, days: number): string {
  return `
    CREATE TABLE IF NOT EXISTS ${db}.checks (
      check_id UUID,
      monitor_id UUID,
      owner_id UUID,
      region LowCardinality(String),
      scheduled_at DateTime64(3, 'UTC'),
      started_at DateTime64(3, 'UTC'),
      outcome Enum8('up' = 1, 'degraded' = 2, 'down' = 3),
      error_kind LowCardinality(String),
      http_status Nullable(UInt16),
      latency_ms Float32,
      dns_ms Nullable(Float32),
      connect_ms Nullable(Float32),
      tls_ms Nullable(Float32),
      first_byte_ms Nullable(Float32),
      transfer_ms Nullable(Float32),
      size_bytes UInt64,
      message String,
      certificate_expires_at Nullable(DateTime64(3, 'UTC')),
      on_demand Bool,
      inserted_at DateTime('UTC') DEFAULT now()
    )
    ENGINE = ReplacingMergeTree
    PARTITION BY toYYYYMM(scheduled_at)
    ORDER BY (monitor_id, scheduled_at, check_id)
    TTL ${rawTtl(days)}`;
}

function rawTtl(days: number): string {
  return `toDateTime(scheduled_at) + INTERVAL ${days} DAY`;
}

/** Per monitor and bucket: what uptime, failure counts and latency charts need. */
function rollupTable(db: string, table: string, keep: string): string {
  return `
    CREATE TABLE IF NOT EXISTS ${db}.${table} (
      monitor_id UUID,
      bucket DateTime('UTC'),
      checks SimpleAggregateFunction(sum, UInt64),
      down SimpleAggregateFunction(sum, UInt64),
      degraded SimpleAggregateFunction(sum, UInt64),
      latency_sum SimpleAggregateFunction(sum, Float64),
      latency_quantiles AggregateFunction(quantiles(0.5, 0.95, 0.99), Float32)
    )
    ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(bucket)
    ORDER BY (monitor_id, bucket)
    TTL bucket + ${keep}`;
}

/**
 * Prober errors say nothing about the monitor, so they never reach a rollup. The view sees each
 * inserted block once; the store only inserts checks it does not have, so nothing counts twice.
 */
function rollupView(db: string, table: string, bucket: string): string {
  return `
    CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${table}_mv TO ${db}.${table} AS
    SELECT
      monitor_id,
      ${bucket}(toDateTime(scheduled_at, 'UTC')) AS bucket,
      count() AS checks,
      countIf(outcome = 'down') AS down,
      countIf(outcome = 'degraded') AS degraded,
      sum(toFloat64(latency_ms)) AS latency_sum,
      quantilesState(0.5, 0.95, 0.99)(latency_ms) AS latency_quantiles
    FROM ${db}.checks
    WHERE error_kind != 'prober_error'
    GROUP BY monitor_id, bucket`;
}

/**
 * `CREATE ... IF NOT EXISTS` keeps an old TTL, so a changed retention is applied here. Only when
 * it changed: MODIFY TTL rewrites TTL info of every part, too costly for every boot.
 */
async function applyRetention(client: ClickHouseClient, db: string, days: number): Promise<void> {
  const result = await client.query({
    query: `SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = 'checks'`,
    query_params: { db },
    format: 'JSONEachRow',
  });
  const [table] = await result.json<{ engine_full: string }>();
  if (table?.engine_full.includes(`toIntervalDay(${days})`)) return;
  await client.command({ query: `ALTER TABLE ${db}.checks MODIFY TTL ${rawTtl(days)}` });
}
