import type { ClickHouseClient } from '@clickhouse/client';
import { connectClickHouse } from '../../../apps/metrics/src/clickhouse/clickhouse.provider';

/**
 * Reads what the metrics service stored, after it stopped (embedded ClickHouse belongs to one
 * process at a time; a child process keeps chDB out of the harness). Argv: data path, database,
 * then a JSON list of windows. Sends a WindowAnalysis per window, and the storage size, over IPC.
 */
export interface AnalysisWindow {
  from: number;
  to: number;
  monitors: number;
  slotsPerMonitor: number;
}

export interface WindowAnalysis {
  rows: number;
  unique: number;
  monitorsWithWrongCount: number;
  /** Slots of the window recorded as not checked (MISSED_SLOTS) and without a check, by reason. */
  missed: Record<string, number>;
  lagP50: number | null;
  lagP99: number | null;
  lagMax: number | null;
  e2eP50: number | null;
  e2eP99: number | null;
  e2eMax: number | null;
  outcomes: Record<string, number>;
}

export interface StorageSize {
  checksBytes: number;
  checksRows: number;
  allBytes: number;
}

const [path, database, windowsJson] = process.argv.slice(2);

async function analyse(client: ClickHouseClient, w: AnalysisWindow): Promise<WindowAnalysis> {
  const params = { from: w.from / 1000, to: w.to / 1000 };
  const where = `scheduled_at >= toDateTime64({from:Float64}, 3, 'UTC') AND scheduled_at < toDateTime64({to:Float64}, 3, 'UTC') AND NOT on_demand`;
  const ms = (c: string) => `toUnixTimestamp64Milli(${c})`;
  const [summary] = await rows<{
    rows: string;
    unique: string;
    lag: number[];
    lagMax: number | null;
    e2e: number[];
    e2eMax: number | null;
  }>(
    client,
    `SELECT count() AS rows, uniqExact(check_id) AS unique,
       quantilesExact(0.5, 0.99)(${ms('started_at')} - ${ms('scheduled_at')}) AS lag,
       max(${ms('started_at')} - ${ms('scheduled_at')}) AS lagMax,
       quantilesExact(0.5, 0.99)(${ms('inserted_at')} - ${ms('scheduled_at')}) AS e2e,
       max(${ms('inserted_at')} - ${ms('scheduled_at')}) AS e2eMax
     FROM ${database}.checks WHERE ${where}`,
    params,
  );
  const [wrong] = await rows<{ n: string }>(
    client,
    `SELECT count() AS n FROM (
       SELECT monitor_id, uniqExact(check_id) AS c FROM ${database}.checks WHERE ${where}
       GROUP BY monitor_id HAVING c <> {k:UInt32})`,
    { ...params, k: w.slotsPerMonitor },
  );
  const outcomes = await rows<{ outcome: string; n: string }>(
    client,
    `SELECT toString(outcome) AS outcome, count() AS n FROM ${database}.checks WHERE ${where} GROUP BY outcome`,
    params,
  );
  // A slot recorded missed whose check ran after all counts as checked, once (as coverage does).
  const missed = await rows<{ reason: string; n: string }>(
    client,
    `SELECT reason, uniqExact(check_id) AS n FROM ${database}.missed_slots
     WHERE ${where.replace(' AND NOT on_demand', '')}
       AND check_id NOT IN (SELECT check_id FROM ${database}.checks WHERE ${where})
     GROUP BY reason`,
    params,
  );
  const rowCount = Number(summary?.rows ?? 0);
  return {
    rows: rowCount,
    unique: Number(summary?.unique ?? 0),
    monitorsWithWrongCount: Number(wrong?.n ?? 0),
    missed: Object.fromEntries(missed.map((m) => [m.reason, Number(m.n)])),
    lagP50: rowCount ? (summary?.lag[0] ?? null) : null,
    lagP99: rowCount ? (summary?.lag[1] ?? null) : null,
    lagMax: rowCount ? (summary?.lagMax ?? null) : null,
    e2eP50: rowCount ? (summary?.e2e[0] ?? null) : null,
    e2eP99: rowCount ? (summary?.e2e[1] ?? null) : null,
    e2eMax: rowCount ? (summary?.e2eMax ?? null) : null,
    outcomes: Object.fromEntries(outcomes.map((o) => [o.outcome, Number(o.n)])),
  };
}

async function storage(client: ClickHouseClient): Promise<StorageSize> {
  const [checks] = await rows<{ bytes: string; rows: string }>(
    client,
    `SELECT sum(bytes_on_disk) AS bytes, sum(rows) AS rows FROM system.parts
     WHERE database = {db:String} AND table = 'checks' AND active`,
    { db: database },
  );
  const [all] = await rows<{ bytes: string }>(
    client,
    `SELECT sum(bytes_on_disk) AS bytes FROM system.parts WHERE database = {db:String} AND active`,
    { db: database },
  );
  return {
    checksBytes: Number(checks?.bytes ?? 0),
    checksRows: Number(checks?.rows ?? 0),
    allBytes: Number(all?.bytes ?? 0),
  };
}

async function rows<T>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown>,
): Promise<T[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}

async function main(): Promise<void> {
  const client = connectClickHouse({ kind: 'embedded', path: path! });
  try {
    const windows = JSON.parse(windowsJson!) as AnalysisWindow[];
    const analyses: WindowAnalysis[] = [];
    for (const w of windows) analyses.push(await analyse(client, w));
    const size = await storage(client);
    await new Promise<void>((resolve) => process.send!({ analyses, size }, () => resolve()));
  } finally {
    await client.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `check analysis failed: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(1);
  },
);
