import { Frequency, RRule } from 'rrule';

/**
 * When maintenance windows are open. A window's first occurrence is `startsAt`..`endsAt`; a
 * recurrence (an RFC 5545 RRULE) repeats it at the same wall-clock time in the window's time
 * zone, so a daily 02:30 Europe/Berlin window is at 01:30 UTC in winter and 00:30 UTC in summer.
 * Every occurrence lasts as long as the first (in elapsed time). rrule expands the rule over
 * "floating" dates (wall-clock times written as UTC), and this file turns wall-clock times into
 * instants with `Intl`, because rrule's own TZID support depends on the host's time zone.
 *
 * Pure functions of their arguments and the time asked about: the registry (a monitor's next
 * window), the scheduler (stamping jobs) and tests (under a fixed clock) share them.
 */
export interface MaintenanceWindowTimes {
  id: string;
  name: string;
  monitorIds: readonly string[];
  startsAt: string;
  endsAt: string;
  recurrence: string | null;
  timeZone: string;
}

/** One occurrence of a window, as instants. */
export interface MaintenanceOccurrence {
  id: string;
  name: string;
  startsAt: string;
  endsAt: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Rule parts a recurrence may use: DTSTART and TZID come from `startsAt` and `timeZone`. */
const RULE_PARTS = new Set([
  'FREQ',
  'INTERVAL',
  'COUNT',
  'UNTIL',
  'BYDAY',
  'BYMONTHDAY',
  'BYMONTH',
  'BYHOUR',
  'BYMINUTE',
  'BYSETPOS',
  'BYYEARDAY',
  'BYWEEKNO',
  'WKST',
]);
const FREQUENCIES: Record<string, Frequency> = {
  HOURLY: Frequency.HOURLY,
  DAILY: Frequency.DAILY,
  WEEKLY: Frequency.WEEKLY,
  MONTHLY: Frequency.MONTHLY,
  YEARLY: Frequency.YEARLY,
};
/** Occurrences looked at when judging a rule's density: enough to see its pattern repeat. */
const DENSITY_SAMPLE = 500;

/** Whether `timeZone` is an IANA zone name this runtime knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a recurrence cannot be used, or null: unknown parts, a frequency below an hour, or
 * occurrences less than an hour apart (`FREQ=DAILY;BYMINUTE=0,30`), which would make a window
 * expensive to expand and mean "always" anyway.
 */
export function recurrenceProblem(recurrence: string, startsAt: Date): string | null {
  const text = recurrence.replace(/^RRULE:/i, '');
  const parts = text.split(';');
  const seen = new Set<string>();
  for (const part of parts) {
    const [key, value, ...rest] = part.split('=');
    const name = (key ?? '').toUpperCase();
    if (!RULE_PARTS.has(name)) return `has an unknown or refused part "${key ?? ''}"`;
    if (value === undefined || value === '' || rest.length > 0)
      return `has no value for ${name} (write NAME=value)`;
    if (seen.has(name)) return `names ${name} twice`;
    seen.add(name);
  }
  const freq = /(?:^|;)FREQ=([A-Z]+)/i.exec(text)?.[1]?.toUpperCase();
  if (freq === undefined) return 'needs FREQ (HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY)';
  if (!(freq in FREQUENCIES))
    return `FREQ=${freq} is not allowed: windows repeat at most hourly (HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY)`;
  let rule: RRule;
  try {
    rule = ruleOf(text, startsAt, 'UTC');
  } catch (err) {
    return `cannot be read: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (Object.values(rule.options).some((v) => Array.isArray(v) && v.some(isInvalidPart)))
    return 'has a value that cannot be read';
  return densityProblem(rule);
}

function isInvalidPart(value: unknown): boolean {
  return value === undefined || value === null || Number.isNaN(value);
}

function densityProblem(rule: RRule): string | null {
  let previous: number | undefined;
  let tooClose = false;
  rule.all((date, i) => {
    const at = date.getTime();
    if (previous !== undefined && at - previous < HOUR_MS) tooClose = true;
    previous = at;
    return !tooClose && i < DENSITY_SAMPLE;
  });
  return tooClose ? 'repeats less than an hour apart; windows repeat at most hourly' : null;
}

/** The rule over floating dates: `startsAt`'s wall-clock time in the zone, written as UTC. */
function ruleOf(recurrence: string, startsAt: Date, timeZone: string): RRule {
  const text = recurrence.replace(/^RRULE:/i, '');
  return new RRule({
    ...RRule.parseString(text),
    dtstart: new Date(wallClockOf(startsAt.getTime(), timeZone)),
  });
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock time in `timeZone` at the instant `ms`, as milliseconds of a floating date. */
export function wallClockOf(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(new Date(ms)))
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const seconds = Math.floor(ms / 1000) * 1000;
  const fraction = ms - seconds;
  return (
    Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) +
    fraction
  );
}

/**
 * The instant at which the clocks of `timeZone` show `wall`. A time skipped by a change to
 * daylight saving time is read with the offset before the change (RFC 5545 3.3.5), so 02:30 on
 * that night is 03:30 in the new time; a time shown twice (the change back) is the first one.
 */
export function instantOf(wall: number, timeZone: string): number {
  const offsetBefore = wallClockOf(wall - DAY_MS, timeZone) - (wall - DAY_MS);
  const offsetAfter = wallClockOf(wall + DAY_MS, timeZone) - (wall + DAY_MS);
  const candidates = [wall - offsetBefore, wall - offsetAfter].filter(
    (at) => wallClockOf(at, timeZone) === wall,
  );
  if (candidates.length === 0) return wall - offsetBefore;
  return Math.min(...candidates);
}

/**
 * The window's occurrences that overlap [from, to), in order. A one-off window has one; a
 * recurring one is expanded only around the range asked about.
 */
export function occurrencesBetween(
  window: MaintenanceWindowTimes,
  from: number,
  to: number,
): MaintenanceOccurrence[] {
  const start = Date.parse(window.startsAt);
  const duration = Date.parse(window.endsAt) - start;
  const occurrence = (at: number): MaintenanceOccurrence => ({
    id: window.id,
    name: window.name,
    startsAt: new Date(at).toISOString(),
    endsAt: new Date(at + duration).toISOString(),
  });
  if (!window.recurrence) return start < to && start + duration > from ? [occurrence(start)] : [];
  const rule = ruleOf(window.recurrence, new Date(start), window.timeZone);
  // Floating dates are at most a day from their instants; a margin of a day each side is enough.
  const walls = rule.between(
    new Date(wallClockOf(from - duration, window.timeZone) - DAY_MS),
    new Date(wallClockOf(to, window.timeZone) + DAY_MS),
    true,
  );
  return walls
    .map((wall) => instantOf(wall.getTime(), window.timeZone))
    .filter((at) => at < to && at + duration > from)
    .map(occurrence);
}

/** The occurrence of one of the monitor's windows that holds `at`, if any. */
export function maintenanceAt(
  windows: readonly MaintenanceWindowTimes[],
  monitorId: string,
  at: number,
): MaintenanceOccurrence | null {
  for (const window of windows) {
    if (!window.monitorIds.includes(monitorId)) continue;
    const [occurrence] = occurrencesBetween(window, at, at + 1);
    if (occurrence) return occurrence;
  }
  return null;
}

/** Whether a check of the monitor at `at` falls in one of its maintenance windows. */
export function isInMaintenance(
  windows: readonly MaintenanceWindowTimes[],
  monitorId: string,
  at: number,
): boolean {
  return maintenanceAt(windows, monitorId, at) !== null;
}

/** How far ahead of now (or of a later first start) the next occurrence is looked for: a yearly window is found. */
const HORIZON_MS = 400 * DAY_MS;

/**
 * The monitor's window in progress at `after`, else the next to start (within about a year of
 * now or of the window's first start), else null: what a monitor's entry shows as `nextMaintenance`.
 */
export function nextWindow(
  windows: readonly MaintenanceWindowTimes[],
  monitorId: string,
  after: number,
): MaintenanceOccurrence | null {
  let best: MaintenanceOccurrence | null = null;
  for (const window of windows) {
    if (!window.monitorIds.includes(monitorId)) continue;
    const found = firstOccurrenceFrom(window, after);
    if (found && (!best || Date.parse(found.startsAt) < Date.parse(best.startsAt))) best = found;
  }
  return best;
}

/** Looks a week at a time, so a daily window costs one short expansion, not a year's. */
function firstOccurrenceFrom(
  window: MaintenanceWindowTimes,
  after: number,
): MaintenanceOccurrence | null {
  if (!window.recurrence) return occurrencesBetween(window, after, Infinity)[0] ?? null;
  // A window that starts later is looked for from its start: the year counts from there.
  const start = Math.max(after, Date.parse(window.startsAt) - DAY_MS);
  for (let from = start; from < start + HORIZON_MS; from += 7 * DAY_MS) {
    const [first] = occurrencesBetween(window, from, from + 7 * DAY_MS);
    if (first) return first;
  }
  return null;
}
