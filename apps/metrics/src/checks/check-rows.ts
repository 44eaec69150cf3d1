import {
  type CheckAssertion,
  CheckAssertionSchema,
  type CheckOutcome,
  type CheckResult,
  type CheckTotals,
  type ErrorKind,
  type MonitorLatest,
  type MonitorStats,
  type ResponseTimePoint,
} from '@uptime/contracts';

/** How a time column or parameter is typed; toClickHouseTime writes its text. */
export const TIME = "DateTime64(3, 'UTC')";

export type StoredStats = Omit<MonitorStats, 'ongoingIncident' | 'coverage'>;

/** ClickHouse prints UInt64 (every count) as a JSON string. */
type Count = number | string;

/** Aggregates over counted checks, raw or from a rollup; `q` is [p50, p95, p99]. */
export interface Totals {
  checks: Count;
  down: Count;
  latency_sum: number;
  q: (number | null)[];
}

/** A `checks_latest` state merged: (started_at, outcome, latency_ms) of the newest counted check. */
export type LastCheck = [string, CheckOutcome, number];

/** A `checks_latest` certificate state merged: null when no counted check saw a certificate. */
export type LastCertificate = string | null;

/** Totals over a window beside the monitor's `checks_latest` row (`known` 0: it has none). */
export type StatsRow = Totals & {
  known: Count;
  last_check: LastCheck;
  last_certificate: LastCertificate;
};

export interface LatestRow {
  monitor_id: string;
  last_check: LastCheck;
  last_certificate: LastCertificate;
  checks_24h: Count;
  down_24h: Count;
}

/** A `checks` row as JSONEachRow writes and reads it (UInt64 comes back as a string). */
export interface CheckRow {
  check_id: string;
  monitor_id: string;
  owner_id: string;
  region: string;
  scheduled_at: string;
  started_at: string;
  outcome: CheckOutcome;
  /** '' when the check did not fail. */
  error_kind: string;
  http_status: number | null;
  latency_ms: number;
  dns_ms: number | null;
  connect_ms: number | null;
  tls_ms: number | null;
  first_byte_ms: number | null;
  transfer_ms: number | null;
  size_bytes: number | string;
  /** '' when the check had nothing to say. */
  message: string;
  /** The assertions as JSON text; '[]' for rows stored before the column existed. */
  assertions: string;
  certificate_expires_at: string | null;
  on_demand: boolean;
  /** False for rows stored before maintenance windows existed. */
  in_maintenance: boolean;
}

/** The columns `CheckRow` names, for SELECTs that map back to a CheckResult. */
export const CHECK_COLUMNS = [
  'check_id',
  'monitor_id',
  'owner_id',
  'region',
  'scheduled_at',
  'started_at',
  'outcome',
  'error_kind',
  'http_status',
  'latency_ms',
  'dns_ms',
  'connect_ms',
  'tls_ms',
  'first_byte_ms',
  'transfer_ms',
  'size_bytes',
  'message',
  'assertions',
  'certificate_expires_at',
  'on_demand',
  'in_maintenance',
].join(', ');

export function toCheckRow(result: CheckResult): CheckRow {
  return {
    check_id: result.id,
    monitor_id: result.monitorId,
    owner_id: result.ownerId,
    region: result.region,
    scheduled_at: toClickHouseTime(result.scheduledAt),
    started_at: toClickHouseTime(result.startedAt),
    outcome: result.outcome,
    error_kind: result.errorKind ?? '',
    http_status: result.httpStatus,
    latency_ms: result.latencyMs,
    dns_ms: result.timings.dnsMs,
    connect_ms: result.timings.connectMs,
    tls_ms: result.timings.tlsMs,
    first_byte_ms: result.timings.firstByteMs,
    transfer_ms: result.timings.transferMs,
    size_bytes: result.sizeBytes,
    message: result.message ?? '',
    assertions: JSON.stringify(result.assertions.map(boundedAssertion)),
    certificate_expires_at: nullableTime(result.certificateExpiresAt, toClickHouseTime),
    on_demand: result.onDemand,
    in_maintenance: result.inMaintenance,
  };
}

export function fromCheckRow(row: CheckRow): CheckResult {
  return {
    id: row.check_id,
    monitorId: row.monitor_id,
    ownerId: row.owner_id,
    region: row.region,
    scheduledAt: fromClickHouseTime(row.scheduled_at),
    startedAt: fromClickHouseTime(row.started_at),
    outcome: row.outcome,
    errorKind: row.error_kind === '' ? null : (row.error_kind as ErrorKind),
    httpStatus: row.http_status,
    latencyMs: row.latency_ms,
    timings: {
      dnsMs: row.dns_ms,
      connectMs: row.connect_ms,
      tlsMs: row.tls_ms,
      firstByteMs: row.first_byte_ms,
      transferMs: row.transfer_ms,
    },
    sizeBytes: Number(row.size_bytes),
    message: row.message === '' ? null : row.message,
    assertions: parseAssertions(row.assertions),
    certificateExpiresAt: nullableTime(row.certificate_expires_at, fromClickHouseTime),
    onDemand: row.on_demand,
    inMaintenance: row.in_maintenance,
  };
}

/** The longest `expected` or `actual` text a stored assertion keeps: every check is a row. */
export const MAX_STORED_VALUE_CHARS = 512;

/**
 * An assertion as stored: an `expected` or `actual` whose JSON is longer than the limit is kept
 * as the start of that text. The prober already bounds them; a result is stored as it arrives
 * from the bus, so the store does not rely on that.
 */
function boundedAssertion(assertion: CheckAssertion): CheckAssertion {
  const bounded = { ...assertion };
  if ('expected' in bounded) bounded.expected = boundedValue(bounded.expected);
  if ('actual' in bounded) bounded.actual = boundedValue(bounded.actual);
  return bounded;
}

function boundedValue(value: unknown): unknown {
  if (typeof value !== 'string' && (typeof value !== 'object' || value === null)) return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text.length <= MAX_STORED_VALUE_CHARS) return value;
  return `${text.slice(0, MAX_STORED_VALUE_CHARS - 3)}...`;
}

/** Stored JSON back to assertions; a row whose text is not a list of them reads as none. */
function parseAssertions(text: string): CheckAssertion[] {
  let value: unknown;
  try {
    value = JSON.parse(text || '[]');
  } catch {
    return [];
  }
  const parsed = CheckAssertionSchema.array().safeParse(value);
  return parsed.success ? parsed.data : [];
}

/**
 * ISO 8601 (any offset) to the 'YYYY-MM-DD hh:mm:ss.SSS' UTC text a DateTime64(3, 'UTC')
 * column or parameter takes without relying on best-effort parsing.
 */
export function toClickHouseTime(iso: string | Date): string {
  const at = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(at.getTime())) throw new RangeError(`not a time: ${String(iso)}`);
  return at.toISOString().replace('T', ' ').replace('Z', '');
}

/** A UTC DateTime or DateTime64 as ClickHouse prints it, back to ISO 8601 with milliseconds. */
export function fromClickHouseTime(text: string): string {
  return new Date(`${text.replace(' ', 'T')}Z`).toISOString();
}

function nullableTime(value: string | null, convert: (t: string) => string): string | null {
  return value === null ? null : convert(value);
}

export function toStats(window: StoredStats['window'], row: StatsRow | undefined): StoredStats {
  const last = Number(row?.known ?? 0) > 0 ? row?.last_check : undefined;
  return {
    window,
    ...summarise(row),
    currentStatus: last ? last[1] : 'pending',
    lastCheckedAt: last ? fromClickHouseTime(last[0]) : null,
    region: null,
    certificateExpiresAt: last
      ? nullableTime(row?.last_certificate ?? null, fromClickHouseTime)
      : null,
  };
}

function summarise(
  totals: Totals | undefined,
): Omit<
  StoredStats,
  'window' | 'currentStatus' | 'lastCheckedAt' | 'region' | 'certificateExpiresAt'
> {
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

/** Totals over a report's range, as the contract names them; uptime counts `degraded` as up. */
export function toCheckTotals(
  row: (Totals & { degraded: Count }) | undefined,
  resolution: CheckTotals['resolution'],
): CheckTotals {
  const figures = summarise(row);
  return {
    checks: figures.totalChecks,
    downChecks: figures.failedChecks,
    degradedChecks: Number(row?.degraded ?? 0),
    uptimePercent: figures.uptimePercent,
    avgLatencyMs: figures.avgLatencyMs,
    p50: figures.p50,
    p95: figures.p95,
    p99: figures.p99,
    resolution,
  };
}

export function toPoint(row: Totals & { at: string }): ResponseTimePoint {
  const checks = Number(row.checks);
  return {
    at: fromClickHouseTime(row.at),
    checks,
    failures: Number(row.down),
    avgLatencyMs: checks === 0 ? null : round(row.latency_sum / checks, 1),
    p95LatencyMs: checks === 0 ? null : roundOrNull(row.q[1]),
  };
}

export function toLatest(monitorId: string, row: LatestRow | undefined): MonitorLatest {
  if (row === undefined) {
    return {
      monitorId,
      lastCheckedAt: null,
      outcome: null,
      latencyMs: null,
      uptime24hPercent: null,
      certificateExpiresAt: null,
      missed24h: 0,
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
    certificateExpiresAt: nullableTime(row.last_certificate, fromClickHouseTime),
    missed24h: 0,
  };
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function roundOrNull(value: number | null | undefined): number | null {
  return value === null || value === undefined || Number.isNaN(value) ? null : round(value, 1);
}
