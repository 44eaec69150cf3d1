import type { ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseSchemaOptions {
  database: string;
  /** Raw checks older than this are dropped by TTL; the rollups live on. */
  rawRetentionDays: number;
}

/**
 * Rows per index mark. Every read here is one monitor's range (a few hundred to a few thousand
 * rows), and ClickHouse reads whole granules: with the default 8,192 an hourly-rollup read of
 * 720 rows decodes ~11 monitors' quantile states. Smaller granules halve the CPU of a stats
 * query (docs/performance.md); the bigger index is a few MB per billion rows.
 */
const RAW_GRANULARITY = 1024;

/** The rollups: name, bucket function, how long they are kept and rows per mark (see above). */
export const ROLLUPS = [
  { table: 'checks_1m', bucket: 'toStartOfMinute', keep: 'INTERVAL 1 YEAR', granularity: 1024 },
  { table: 'checks_1h', bucket: 'toStartOfHour', keep: 'INTERVAL 5 YEAR', granularity: 256 },
] as const;

/**
 * Every table that holds a monitor's rows; the views only feed them. Not `deleted_monitors`: it
 * remembers the monitors that are gone, and is itself forgotten after a week.
 */
export const MONITOR_TABLES = [
  'checks',
  ...ROLLUPS.map((r) => r.table),
  'checks_latest',
  'missed_slots',
];

/**
 * Creates the database, the raw `checks` table, its rollups and the latest check per monitor if
 * missing, and applies a changed raw retention. Safe to run at every boot: nothing is touched when the schema is already current.
 */
export async function migrateClickHouse(
  client: ClickHouseClient,
  options: ClickHouseSchemaOptions,
): Promise<void> {
  const db = assertIdentifier(options.database);
  const days = assertRetention(options.rawRetentionDays);
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await client.command({ query: checksTable(db, days) });
  // Before the views: their query names the column, and is read even when they exist.
  await addMaintenanceColumn(client, db);
  for (const rollup of ROLLUPS) {
    await client.command({ query: rollupTable(db, rollup) });
    await client.command({ query: rollupView(db, rollup.table, rollup.bucket) });
  }
  await migrateLatest(client, db);
  await client.command({ query: deletedMonitorsTable(db) });
  await client.command({ query: missedSlotsTable(db, days) });
  await applyRetention(client, db, days);
  await applyInsertedAtPrecision(client, db);
  await addAssertionsColumn(client, db);
  await leaveMaintenanceOutOfRollups(client, db);
}

/**
 * Whether a check ran during a maintenance window. Tables created before get the column (a
 * metadata change; old rows read false), and the rollup views get their current query, which
 * leaves maintenance checks out: they count in no uptime and no latency chart.
 */
async function addMaintenanceColumn(client: ClickHouseClient, db: string): Promise<void> {
  await client.command({
    query: `ALTER TABLE ${db}.checks ADD COLUMN IF NOT EXISTS in_maintenance Bool DEFAULT false AFTER on_demand`,
  });
}

/** Brings rollup views made by an older version to the current query; only when they need it. */
async function leaveMaintenanceOutOfRollups(client: ClickHouseClient, db: string): Promise<void> {
  for (const { table, bucket } of ROLLUPS) {
    const result = await client.query({
      query: `SELECT create_table_query AS query FROM system.tables WHERE database = {db:String} AND name = {name:String}`,
      query_params: { db, name: `${table}_mv` },
      format: 'JSONEachRow',
    });
    const [view] = await result.json<{ query: string }>();
    if (!view || view.query.includes('in_maintenance')) continue;
    await client.command({
      query: `ALTER TABLE ${db}.${table}_mv MODIFY QUERY ${rollupSelect(db, bucket)}`,
    });
  }
}

/**
 * What each check verified, as JSON text (a few hundred bytes, compressed well). Tables created
 * before it get the column; their rows read the default, `[]`. Only a metadata change, so it
 * costs nothing at a boot where the column exists.
 */
async function addAssertionsColumn(client: ClickHouseClient, db: string): Promise<void> {
  await client.command({
    query: `ALTER TABLE ${db}.checks ADD COLUMN IF NOT EXISTS assertions String DEFAULT '[]' AFTER message`,
  });
}

/**
 * `inserted_at` is when a check became queryable; in milliseconds, since ingestion lag is about
 * a second (docs/performance.md measures scheduled → queryable from it). Older tables had seconds.
 */
async function applyInsertedAtPrecision(client: ClickHouseClient, db: string): Promise<void> {
  const result = await client.query({
    query: `SELECT type FROM system.columns WHERE database = {db:String} AND table = 'checks' AND name = 'inserted_at'`,
    query_params: { db },
    format: 'JSONEachRow',
  });
  const [column] = await result.json<{ type: string }>();
  if (column?.type === "DateTime64(3, 'UTC')") return;
  await client.command({
    query: `ALTER TABLE ${db}.checks MODIFY COLUMN inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)`,
  });
}

/**
 * Marks `checks_latest` as holding every stored check, not only those inserted since it exists,
 * with the certificate column filled. A table marked `backfilled` (the mark before certificates)
 * or not at all is filled again.
 */
const LATEST_COMPLETE = 'backfilled-with-certificates';

/** The state of `last_certificate`: the expiry seen by the newest check that saw a certificate. */
const LAST_CERTIFICATE_TYPE = `AggregateFunction(argMaxIf,
        Nullable(DateTime64(3, 'UTC')), Tuple(DateTime64(3, 'UTC'), DateTime64(3, 'UTC')), UInt8)`;

/**
 * The newest counted check of each monitor, kept by a view as checks arrive: the dashboard and
 * every stats answer need it, and finding it in the raw table means reading each monitor's rows
 * with FINAL (0.7 s for 1,000 monitors with a month of 1-minute checks). One row per monitor
 * once merged; `argMax` over (scheduled_at, started_at) as the raw query ordered them. Beside it,
 * the certificate expiry of the newest check that saw a certificate, since the newest check may
 * have failed before any handshake.
 *
 * A database that predates the table, or its certificate column, gets the column, a view that
 * fills it, and the whole table filled from the raw checks once: the view exists before that
 * copy, so nothing inserted meanwhile is missed, and a check seen twice changes no argMax (nor
 * do the rows an older view wrote while this one replaced it). The table comment records that
 * the copy finished, so a crash before then repeats it.
 */
async function migrateLatest(client: ClickHouseClient, db: string): Promise<void> {
  await client.command({ query: latestTable(db) });
  await client.command({
    query: `ALTER TABLE ${db}.checks_latest ADD COLUMN IF NOT EXISTS last_certificate ${LAST_CERTIFICATE_TYPE}`,
  });
  const result = await client.query({
    query: `SELECT comment FROM system.tables WHERE database = {db:String} AND name = 'checks_latest'`,
    query_params: { db },
    format: 'JSONEachRow',
  });
  const [table] = await result.json<{ comment: string }>();
  if (table?.comment === LATEST_COMPLETE) {
    await client.command({ query: latestView(db) });
    return;
  }
  // A view of an older version would leave the certificate column empty: replaced, not kept.
  await client.command({ query: `DROP VIEW IF EXISTS ${db}.checks_latest_mv` });
  await client.command({ query: latestView(db) });
  await client.command({ query: `INSERT INTO ${db}.checks_latest ${latestSelect(db)}` });
  await client.command({
    query: `ALTER TABLE ${db}.checks_latest MODIFY COMMENT '${LATEST_COMPLETE}'`,
  });
}

/** One row per monitor and a few bytes each: small granules, so one monitor reads little. */
function latestTable(db: string): string {
  return `
    CREATE TABLE IF NOT EXISTS ${db}.checks_latest (
      monitor_id UUID,
      last_check AggregateFunction(argMax,
        Tuple(DateTime64(3, 'UTC'), Enum8('up' = 1, 'degraded' = 2, 'down' = 3), Float32),
        Tuple(DateTime64(3, 'UTC'), DateTime64(3, 'UTC'))),
      last_certificate ${LAST_CERTIFICATE_TYPE}
    )
    ENGINE = AggregatingMergeTree
    ORDER BY monitor_id
    SETTINGS index_granularity = 128`;
}

/**
 * (started_at, outcome, latency_ms) of the newest counted check, and the certificate expiry of
 * the newest counted check with one; prober errors say nothing.
 */
function latestSelect(db: string): string {
  return `
    SELECT monitor_id,
      argMaxState((started_at, outcome, latency_ms), (scheduled_at, started_at)) AS last_check,
      argMaxIfState(certificate_expires_at, (scheduled_at, started_at),
        isNotNull(certificate_expires_at)) AS last_certificate
    FROM ${db}.checks
    WHERE error_kind != 'prober_error'
    GROUP BY monitor_id`;
}

function latestView(db: string): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.checks_latest_mv TO ${db}.checks_latest AS ${latestSelect(db)}`;
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

/**
 * Slots that were not checked, with their reason: beside the checks, never in them, so a missed
 * slot counts in no uptime, no downtime, no rollup and no incident. Kept as long as raw checks,
 * which coverage compares them with; a slot recorded twice (a redelivery, or a job that ran
 * after all) is counted once by the queries, which also leave out slots that have a check.
 */
function missedSlotsTable(db: string, days: number): string {
  return `
    CREATE TABLE IF NOT EXISTS ${db}.missed_slots (
      check_id UUID,
      monitor_id UUID,
      owner_id UUID,
      region LowCardinality(String),
      scheduled_at DateTime64(3, 'UTC'),
      reason LowCardinality(String),
      recorded_at DateTime64(3, 'UTC'),
      inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
    )
    ENGINE = ReplacingMergeTree
    PARTITION BY toYYYYMM(scheduled_at)
    ORDER BY (monitor_id, scheduled_at, check_id)
    TTL ${rawTtl(days)}
    SETTINGS index_granularity = ${RAW_GRANULARITY}`;
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
      assertions String DEFAULT '[]',
      certificate_expires_at Nullable(DateTime64(3, 'UTC')),
      on_demand Bool,
      in_maintenance Bool DEFAULT false,
      inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
    )
    ENGINE = ReplacingMergeTree
    PARTITION BY toYYYYMM(scheduled_at)
    ORDER BY (monitor_id, scheduled_at, check_id)
    TTL ${rawTtl(days)}
    SETTINGS index_granularity = ${RAW_GRANULARITY}`;
}

function rawTtl(days: number): string {
  return `toDateTime(scheduled_at) + INTERVAL ${days} DAY`;
}

/** Per monitor and bucket: what uptime, failure counts and latency charts need. */
function rollupTable(db: string, { table, keep, granularity }: (typeof ROLLUPS)[number]): string {
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
    TTL bucket + ${keep}
    SETTINGS index_granularity = ${granularity}`;
}

/**
 * Prober errors say nothing about the monitor, so they never reach a rollup. The view sees each
 * inserted block once; the store only inserts checks it does not have, so nothing counts twice.
 */
function rollupView(db: string, table: string, bucket: string): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${table}_mv TO ${db}.${table} AS ${rollupSelect(db, bucket)}`;
}

/** Prober errors and checks in maintenance never reach a rollup. */
function rollupSelect(db: string, bucket: string): string {
  return `
    SELECT
      monitor_id,
      ${bucket}(toDateTime(scheduled_at, 'UTC')) AS bucket,
      count() AS checks,
      countIf(outcome = 'down') AS down,
      countIf(outcome = 'degraded') AS degraded,
      sum(toFloat64(latency_ms)) AS latency_sum,
      quantilesState(0.5, 0.95, 0.99)(latency_ms) AS latency_quantiles
    FROM ${db}.checks
    WHERE error_kind != 'prober_error' AND NOT in_maintenance
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
