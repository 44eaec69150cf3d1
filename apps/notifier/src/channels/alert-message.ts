import type { CheckResult } from '@uptime/contracts';

export const ALERT_KINDS = ['down', 'degraded', 'up', 'test', 'reminder'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** The first failing check of an incident: what the alert names as the reason. */
export type AlertCause = Pick<
  CheckResult,
  'outcome' | 'errorKind' | 'httpStatus' | 'message' | 'latencyMs'
>;

export interface AlertIncident {
  id: string;
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
}

/** The state a reader should take away, which for a reminder depends on why the incident opened. */
export type AlertState = 'down' | 'degraded' | 'up' | 'test';

export function alertState(message: AlertMessage): AlertState {
  if (message.kind !== 'reminder') return message.kind;
  return message.incident?.cause?.outcome === 'degraded' ? 'degraded' : 'down';
}

/** One line that says what happened, for an email subject, a Slack fallback or a push title. */
export function subjectLine(message: AlertMessage): string {
  const name = singleLine(message.monitor.name);
  const duration = message.durationMs === null ? null : formatDuration(message.durationMs);
  switch (message.kind) {
    case 'down':
      return `[DOWN] ${name} is down`;
    case 'degraded':
      return `[DEGRADED] ${name} is degraded (slow responses)`;
    case 'up':
      return duration ? `[UP] ${name} is back up after ${duration}` : `[UP] ${name} is back up`;
    case 'test':
      return `[TEST] Test alert for ${name}`;
    case 'reminder': {
      const still = `[REMINDER] ${name} is still ${alertState(message)}`;
      return duration ? `${still} (since ${duration})` : still;
    }
  }
}

/**
 * Names the cause in words a reader understands without knowing the check's internals. The
 * prober's message is the source of detail; when it has a known shape the words are rebuilt
 * from it, otherwise it is passed on as written, because it was written to be read.
 */
export function describeCause(cause: AlertCause | null): string {
  if (!cause) return 'no cause recorded';
  const detail = cause.message?.trim() || null;
  switch (cause.errorKind) {
    case null:
      if (cause.outcome === 'degraded') {
        return `latency ${Math.round(cause.latencyMs)} ms above the limit`;
      }
      return detail ?? (cause.outcome === 'up' ? 'no failure' : 'the check failed');
    case 'timeout':
      return describeTimeout(detail, cause.latencyMs);
    case 'http_status':
      return describeHttpStatus(detail, cause.httpStatus);
    case 'keyword':
      return describeKeyword(detail);
    case 'assertion':
      return detail ? `assertion failed: ${detail.replace(/^assertion /, '')}` : 'assertion failed';
    case 'dns':
      return detail ?? 'DNS lookup failed';
    case 'connect':
      return detail ?? 'connection failed';
    case 'tls':
      return detail ?? 'TLS handshake failed';
    case 'too_many_redirects':
      return detail ?? 'too many redirects';
    case 'blocked_target':
      return detail ?? 'the target address is not allowed';
    case 'prober_error':
      return detail ?? 'the prober could not run the check';
  }
}

function describeTimeout(detail: string | null, latencyMs: number): string {
  // The prober says `timed out after 10000 ms waiting for the response`; the limit is the
  // monitor's timeout, which the measured latency only approximates.
  const match = detail ? /after (\d+) ms(?: (.+))?$/.exec(detail) : null;
  const limit = match ? match[1] : String(Math.round(latencyMs));
  const phase = match?.[2] ? ` (${match[2]})` : '';
  return `timeout: no answer within ${limit} ms${phase}`;
}

function describeHttpStatus(detail: string | null, httpStatus: number | null): string {
  // Without a status the response could not be parsed at all.
  if (httpStatus === null) return detail ?? 'invalid HTTP response';
  const expected = detail ? / expected (.+)$/.exec(detail) : null;
  return expected
    ? `HTTP status ${httpStatus}, expected ${expected[1]}`
    : `HTTP status ${httpStatus}`;
}

function describeKeyword(detail: string | null): string {
  const match = detail ? /^keyword "(.*)" (not found|found)/s.exec(detail) : null;
  if (!match) return detail ?? 'keyword check failed';
  const [, keyword, verdict] = match;
  return verdict === 'not found'
    ? `keyword '${keyword}' missing`
    : `keyword '${keyword}' present but must be absent`;
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
function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
}
