import type { CheckAssertion, CheckResult } from '@uptime/contracts';

export const ALERT_KINDS = [
  'down',
  'degraded',
  'up',
  'test',
  'reminder',
  'certificate',
  'partial',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * The first failing check of an incident: what the alert names as the reason. Structured fields
 * only, never the check's `message`: rewording it must not change an alert. `assertions` are the
 * failed ones; alerts queued before they existed have none and read from `errorKind` alone.
 */
export type AlertCause = Pick<CheckResult, 'outcome' | 'errorKind' | 'httpStatus' | 'latencyMs'> & {
  assertions?: CheckAssertion[];
  /** A certificate incident's cause: the expiry the check saw. */
  certificateExpiresAt?: string;
  /**
   * A monitor checked from several regions: what each region answered in the slot that opened
   * the incident, and how many had to fail for it to be down.
   */
  regions?: { region: string; outcome: CheckResult['outcome']; errorKind: string | null }[];
  quorum?: number;
};

/**
 * The cause an alert carries, from an incident's stored cause (the check summary, which also
 * holds the check's `message`): the structured fields copied one by one, so that nothing else a
 * stored cause holds reaches a channel.
 */
export function alertCauseOf(stored: AlertCause): AlertCause {
  return {
    outcome: stored.outcome,
    errorKind: stored.errorKind,
    httpStatus: stored.httpStatus,
    latencyMs: stored.latencyMs,
    assertions: stored.assertions ?? [],
    ...(stored.certificateExpiresAt ? { certificateExpiresAt: stored.certificateExpiresAt } : {}),
    ...(stored.regions ? { regions: stored.regions, quorum: stored.quorum } : {}),
  };
}

export interface AlertIncident {
  id: string;
  /** Absent in alerts queued before certificate incidents, which were all availability ones. */
  kind?: 'down' | 'degraded' | 'certificate' | 'partial';
  startedAt: string;
  resolvedAt: string | null;
  cause: AlertCause | null;
}

/**
 * Everything a provider renders, and nothing it has to look up: providers stay free of the
 * database, so a retried delivery sends exactly what the first attempt sent.
 */
export interface AlertMessage {
  alertId: string;
  kind: AlertKind;
  monitor: { id: string; name: string; url: string };
  /** Null for a channel test, which has no incident behind it. */
  incident: AlertIncident | null;
  occurredAt: string;
  /** How long the incident lasted (`up`) or has lasted so far (`reminder`); null otherwise. */
  durationMs: number | null;
  /** Where the reader sees the monitor in the product. */
  monitorLink: string;
  /**
   * Set when an escalation step sent the alert: the step (1 for the policy's first) and its
   * delay. Absent on every other alert, and on alerts queued before escalation existed.
   */
  escalation?: { step: number; afterMinutes: number };
}

/** The state a reader should take away, which for a reminder depends on why the incident opened. */
export type AlertState = 'down' | 'degraded' | 'up' | 'test' | 'certificate' | 'partial';

export function alertState(message: AlertMessage): AlertState {
  if (message.kind !== 'reminder') return message.kind;
  if (message.incident?.kind === 'partial') return 'partial';
  return message.incident?.cause?.outcome === 'degraded' ? 'degraded' : 'down';
}

/** One line that says what happened, for an email subject, a Slack fallback or a push title. */
export function subjectLine(message: AlertMessage): string {
  const subject = eventLine(message);
  const { escalation } = message;
  if (!escalation) return subject;
  return `${subject} (escalation step ${escalation.step}, after ${formatDuration(escalation.afterMinutes * 60_000)})`;
}

function eventLine(message: AlertMessage): string {
  const name = singleLine(message.monitor.name);
  const duration = message.durationMs === null ? null : formatDuration(message.durationMs);
  switch (message.kind) {
    case 'down':
      return `[DOWN] ${name} is down`;
    case 'degraded':
      return `[DEGRADED] ${name} is degraded (slow responses)`;
    case 'partial':
      return `[PARTIAL] ${name} is failing in ${failingRegions(message.incident?.cause ?? null)}`;
    case 'up':
      if (message.incident?.kind === 'certificate') return `[UP] ${name}: certificate renewed`;
      return duration ? `[UP] ${name} is back up after ${duration}` : `[UP] ${name} is back up`;
    case 'certificate':
      return `[CERTIFICATE] ${name}: ${describeCertificate(
        message.incident?.cause?.certificateExpiresAt,
        message.occurredAt,
      )}`;
    case 'test':
      return `[TEST] Test alert for ${name}`;
    case 'reminder': {
      const state = alertState(message);
      const still = `[REMINDER] ${name} is still ${state === 'partial' ? 'partially down' : state}`;
      return duration ? `${still} (since ${duration})` : still;
    }
  }
}

const STATE_WORDS: Record<AlertState, string> = {
  down: 'Down',
  degraded: 'Degraded',
  up: 'Up',
  test: 'Test',
  certificate: 'Certificate expiring',
  partial: 'Partially down',
};

/** `Down`, `Up`, `Down (reminder)`: the state in one or two words. */
export function statusWords(message: AlertMessage): string {
  const words = STATE_WORDS[alertState(message)];
  return message.kind === 'reminder' ? `${words} (reminder)` : words;
}

/** One labelled fact of an alert, as chat cards and incident tools show them. */
export interface AlertDetail {
  label: string;
  value: string;
}

/**
 * What every rich channel (Teams, Discord, Telegram, PagerDuty, Opsgenie, ntfy) shows below the
 * subject, in this order, built from the structured fields only. Values are user text where they
 * come from the monitor (its name and URL): each channel escapes them for its own markup.
 */
export function alertDetails(message: AlertMessage): AlertDetail[] {
  const details: AlertDetail[] = [
    { label: 'Monitor', value: singleLine(message.monitor.name) },
    { label: 'Status', value: statusWords(message) },
  ];
  if (message.incident) {
    details.push({ label: 'Cause', value: describeCause(message.incident.cause) });
  }
  if (message.durationMs !== null) {
    const label = message.kind === 'reminder' ? 'Open for' : 'Duration';
    details.push({ label, value: formatDuration(message.durationMs) });
  } else {
    details.push({
      label: 'Started',
      value: formatUtc(message.incident?.startedAt ?? message.occurredAt),
    });
  }
  details.push({ label: 'URL', value: message.monitor.url });
  return details;
}

/** True for the alert that ends an incident: incident tools close what the others opened. */
export function isResolution(message: AlertMessage): boolean {
  return message.kind === 'up';
}

/**
 * The key incident tools deduplicate on: the incident's id, so every alert of one incident
 * (its opening, reminders, recovery) lands on the same page, and a recovery closes it. A test
 * has no incident and gets a key of its own.
 */
export function incidentKey(message: AlertMessage): string {
  return message.incident?.id ?? `test-${message.alertId}`;
}

/** `certificate expires 2026-12-10 00:00:00 UTC (in 8 days)`, or `expired …` once past. */
export function describeCertificate(expiresAt: string | undefined, at: string): string {
  if (expiresAt === undefined) return 'certificate expires soon';
  const days = Math.floor((Date.parse(expiresAt) - Date.parse(at)) / 86_400_000);
  const when = formatUtc(expiresAt);
  if (Date.parse(expiresAt) <= Date.parse(at)) return `certificate expired ${when}`;
  return `certificate expires ${when} (in ${days} ${days === 1 ? 'day' : 'days'})`;
}

/**
 * Names the cause in words a reader understands without knowing the check's internals, built
 * only from the structured fields (errorKind, httpStatus, latencyMs, assertions): the prober's
 * `message` is for people reading a check and may be reworded at any time, so alerts never
 * depend on it. A cause recorded before assertions existed still reads, from its error kind.
 */
export function describeCause(cause: AlertCause | null): string {
  const check = describeCheck(cause);
  if (!cause?.regions || cause.regions.length === 0) return check;
  return `${check}; failing in ${failingRegions(cause)}`;
}

/** `us, eu (2 of 3 regions, 2 needed)`, from the slot's region answers. */
function failingRegions(cause: AlertCause | null): string {
  const regions = cause?.regions ?? [];
  const failing = regions.filter((r) => r.outcome !== 'up' && r.errorKind !== 'prober_error');
  const names = failing.length > 0 ? failing.map((r) => r.region).join(', ') : 'some regions';
  const needed = cause?.quorum === undefined ? '' : `, ${cause.quorum} needed`;
  return `${names} (${failing.length} of ${regions.length} regions${needed})`;
}

function describeCheck(cause: AlertCause | null): string {
  if (!cause) return 'no cause recorded';
  if (cause.certificateExpiresAt)
    return `certificate expires ${formatUtc(cause.certificateExpiresAt)}`;
  const failed = (cause.assertions ?? []).filter((a) => !a.passed);
  const first = (type: CheckAssertion['type']) => failed.find((a) => a.type === type);
  switch (cause.errorKind) {
    case null:
      if (cause.outcome === 'degraded') return describeSlow(first('latency'), cause.latencyMs);
      return cause.outcome === 'up' ? 'no failure' : 'the check failed';
    case 'timeout':
      return describeTimeout(first('latency'), cause.latencyMs);
    case 'http_status':
      return describeHttpStatus(first('status'), cause.httpStatus);
    case 'keyword':
      return describeKeyword(first('keyword'));
    case 'assertion': {
      const answer = first('dns_answer');
      if (answer) return describeDnsAnswers(answer);
      return describeJsonPaths(failed.filter((a) => a.type === 'json_path'));
    }
    case 'dns': {
      // A dns monitor's own query failed; an HTTP or TCP check's lookup failed at `connect`.
      const query = first('dns_answer');
      if (query) return describeDnsQuery(query);
      return describeStep(
        first('connect'),
        (t) => `DNS lookup of ${t} failed`,
        'DNS lookup failed',
      );
    }
    case 'connect':
      return describeStep(
        first('connect'),
        (t) => `could not connect to ${t}`,
        'connection failed',
      );
    case 'tls':
      return describeStep(
        first('tls'),
        (t) => `TLS handshake with ${t} failed`,
        'TLS handshake failed',
      );
    case 'too_many_redirects':
      return 'too many redirects';
    case 'blocked_target':
      return 'the target address is not allowed';
    case 'prober_error':
      return 'the prober could not run the check';
    case 'missed_heartbeat':
      return describeMissedHeartbeat(first('heartbeat'));
    case 'reported_failure':
      return 'the job reported a failure (/fail)';
  }
}

/** `no ping within 300 s + 60 s grace (last ping 2026-12-02 10:00:00 UTC)`, from the assertion. */
function describeMissedHeartbeat(heartbeat: CheckAssertion | undefined): string {
  const expected = heartbeat?.expected as { periodSeconds?: unknown; graceSeconds?: unknown };
  const actual = heartbeat?.actual as { lastPingAt?: unknown } | undefined;
  if (typeof expected?.periodSeconds !== 'number') return 'no ping within the expected period';
  const grace = typeof expected.graceSeconds === 'number' ? expected.graceSeconds : 0;
  const last =
    typeof actual?.lastPingAt === 'string'
      ? `last ping ${formatUtc(actual.lastPingAt)}`
      : 'no ping yet';
  return `no ping within ${expected.periodSeconds} s + ${grace} s grace (${last})`;
}

/** The phase a timeout ran out in, as the probe engine names it in the assertion's target. */
const PHASE_WORDS: Record<string, string> = {
  dns: 'during the DNS lookup',
  connect: 'while connecting',
  tls: 'during the TLS handshake',
  response: 'waiting for the response',
  body: 'while reading the body',
};

/** Error codes a `connect` or `tls` assertion carries as `actual`, in a reader's words. */
const ERROR_WORDS: Record<string, string> = {
  ENOTFOUND: 'no such host',
  ENODATA: 'no address for the name',
  EAI_AGAIN: 'resolver temporarily unavailable',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname mismatch',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown issuer (incomplete chain?)',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown issuer',
  CERT_REVOKED: 'certificate revoked',
};

function describeSlow(latency: CheckAssertion | undefined, latencyMs: number): string {
  const limit = typeof latency?.expected === 'number' ? ` of ${latency.expected} ms` : '';
  return `latency ${Math.round(latencyMs)} ms above the limit${limit}`;
}

function describeTimeout(latency: CheckAssertion | undefined, latencyMs: number): string {
  // The limit is the monitor's timeout, which the measured latency only approximates.
  const limit = typeof latency?.expected === 'number' ? latency.expected : Math.round(latencyMs);
  const words = latency?.target === undefined ? undefined : PHASE_WORDS[latency.target];
  return `timeout: no answer within ${limit} ms${words ? ` (${words})` : ''}`;
}

function describeHttpStatus(status: CheckAssertion | undefined, httpStatus: number | null): string {
  // Without a status the response could not be parsed at all.
  if (httpStatus === null) return 'invalid HTTP response';
  const expected = status?.expected;
  return Array.isArray(expected) && expected.length > 0
    ? `HTTP status ${httpStatus}, expected ${expected.map(String).join(', ')}`
    : `HTTP status ${httpStatus}`;
}

function describeKeyword(keyword: CheckAssertion | undefined): string {
  if (typeof keyword?.expected !== 'string') return 'keyword check failed';
  return keyword.target === 'absent'
    ? `keyword '${keyword.expected}' present but must be absent`
    : `keyword '${keyword.expected}' missing`;
}

function describeJsonPaths(failed: CheckAssertion[]): string {
  const [first] = failed;
  if (!first) return 'assertion failed';
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
  return `assertion failed: ${describeJsonPath(first)}${more}`;
}

/** `$.status equals "ok", actual "down"`; a missing value (or an unread body) has no actual. */
function describeJsonPath(assertion: CheckAssertion): string {
  const rule = isRecord(assertion.expected) ? assertion.expected : {};
  const operator = typeof rule.operator === 'string' ? ` ${rule.operator}` : '';
  const value = 'value' in rule ? ` ${showValue(rule.value)}` : '';
  const actual = 'actual' in assertion ? showValue(assertion.actual) : 'missing';
  return `${assertion.target ?? 'JSON path'}${operator}${value}, actual ${actual}`;
}

/** A failed connection step: what it dialled (its target) and why (its code, in words if known). */
function describeStep(
  step: CheckAssertion | undefined,
  headFor: (target: string) => string,
  fallback: string,
): string {
  if (!step) return fallback;
  const code = typeof step.actual === 'string' ? step.actual : null;
  const reason = code === null ? null : ERROR_WORDS[code] ? `${ERROR_WORDS[code]} (${code})` : code;
  const head = step.target === undefined ? fallback : headFor(step.target);
  return reason ? `${head}: ${reason}` : head;
}

/** Error codes of a dns monitor's query (Node's `dns` codes), in a reader's words. */
const DNS_ERROR_WORDS: Record<string, string> = {
  ENOTFOUND: 'no such name (NXDOMAIN)',
  ESERVFAIL: 'server failure (SERVFAIL)',
  EREFUSED: 'query refused (REFUSED)',
  ENODATA: 'no records of that type',
  ECONNREFUSED: 'resolver refused the connection',
  EBADRESP: 'malformed answer',
};

/** `DNS query for MX records failed: server failure (SERVFAIL)`. */
function describeDnsQuery(query: CheckAssertion): string {
  const head = query.target ? `DNS query for ${query.target} records failed` : 'DNS query failed';
  if (typeof query.actual !== 'string') return head;
  return `${head}: ${DNS_ERROR_WORDS[query.actual] ?? query.actual}`;
}

/** `DNS A answers ["192.0.2.9"] lack an expected value of ["192.0.2.10"]`. */
function describeDnsAnswers(answer: CheckAssertion): string {
  const type = answer.target ? `${answer.target} ` : '';
  return `DNS ${type}answers ${showValue(answer.actual)} lack an expected value of ${showValue(answer.expected)}`;
}

/** JSON text of a value, cut short so a large one cannot flood an alert. */
function showValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `252000` → `4m 12s`: the two largest units are enough for a person to act on. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  let seconds = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const amount = Math.floor(seconds / size);
    seconds -= amount * size;
    if (amount > 0 || parts.length > 0) parts.push(`${amount}${unit}`);
  }
  const shown = parts.slice(0, 2).filter((p) => !/^0\D$/.test(p));
  return shown.length > 0 ? shown.join(' ') : '0s';
}

/** `2025-03-01 12:00:00 UTC`: readers compare alerts across time zones, so one zone for all. */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A monitor name is user text: a line break in it must not split a subject or a header. */
export function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
}
