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

/**
 * Rule parts a recurrence may use: DTSTART and TZID come from `startsAt` and `timeZone`.
 * BYYEARDAY, BYWEEKNO and BYSETPOS are left out, with ordinals above 4 in BYDAY: with them a
 * rule can match never (`BYDAY=1MO;BYMONTHDAY=20`), and rrule looks for a match, period by
 * period, up to the year 9999 (seconds of CPU per expansion). The parts kept are checked so that
 * every rule matches within a year.
 */
const RULE_PARTS: Record<string, (value: string) => boolean> = {
  FREQ: (v) => /^[A-Z]+$/.test(v),
  INTERVAL: (v) => inRange(v, 1, 1000),
  COUNT: (v) => inRange(v, 1, 100_000),
  UNTIL: (v) => /^\d{8}(T\d{6}Z?)?$/.test(v),
  BYDAY: (v) => v.split(',').every((d) => /^([+-]?[1-4])?(MO|TU|WE|TH|FR|SA|SU)$/.test(d)),
  BYMONTHDAY: (v) => v.split(',').every((d) => inRange(d, 1, 31) || inRange(d, -31, -1)),
  BYMONTH: (v) => v.split(',').every((m) => inRange(m, 1, 12)),
  BYHOUR: (v) => v.split(',').every((h) => inRange(h, 0, 23)),
  BYMINUTE: (v) => v.split(',').every((m) => inRange(m, 0, 59)),
  WKST: (v) => /^(MO|TU|WE|TH|FR|SA|SU)$/.test(v),
};
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function inRange(value: string, min: number, max: number): boolean {
  if (!/^[+-]?\d{1,6}$/.test(value)) return false;
  const n = Number(value);
  return n >= min && n <= max;
}

/** A day of the month that some named month has (the 30th is in no February). */
function monthDaysMeet(parts: Map<string, string>): boolean {
  const days = parts
    .get('BYMONTHDAY')
    ?.split(',')
    .map((d) => Math.abs(Number(d)));
  if (!days) return true;
  const months = parts.get('BYMONTH')?.split(',').map(Number) ?? [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  ];
  return months.some((m) => days.some((d) => d <= DAYS_IN_MONTH[m - 1]!));
}

const FREQUENCIES: Record<string, Frequency> = {
  HOURLY: Frequency.HOURLY,
  DAILY: Frequency.DAILY,
  WEEKLY: Frequency.WEEKLY,
  MONTHLY: Frequency.MONTHLY,
  YEARLY: Frequency.YEARLY,
};
/** The span over which a rule's density is judged: enough to see a weekly pattern repeat. */
const DENSITY_SPAN_MS = 31 * DAY_MS;
/** A rule must occur within this long of its start, so no expansion looks for a match for ever. */
const FIRST_OCCURRENCE_WITHIN_MS = 366 * DAY_MS;

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
  const parts = new Map<string, string>();
  for (const part of text.split(';')) {
    const [key, value, ...rest] = part.split('=');
    const name = (key ?? '').toUpperCase();
    const valid = RULE_PARTS[name];
    if (!valid) return `has an unknown or refused part "${key ?? ''}"`;
    if (value === undefined || value === '' || rest.length > 0)
      return `has no value for ${name} (write NAME=value)`;
    if (parts.has(name)) return `names ${name} twice`;
    if (!valid(value.toUpperCase())) return `has a value of ${name} that cannot be used: ${value}`;
    parts.set(name, value.toUpperCase());
  }
  if (!monthDaysMeet(parts)) return 'names days of the month that none of its months has';
  if (parts.has('BYMONTHDAY') && /\d/.test(parts.get('BYDAY') ?? ''))
    return 'cannot combine BYMONTHDAY with numbered weekdays (1MO): they may never meet';
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
  if (!reachesWithinAYear(rule)) return 'has no occurrence within a year of startsAt';
  return densityProblem(rule);
}

/**
 * Whether any period the rule steps through in its first year passes the parts that filter
 * periods (BYMONTH, BYMONTHDAY, BYDAY, BYHOUR, as the frequency makes them limits). rrule checks
 * its end (`between`'s, or UNTIL) only on dates it emits, so a rule whose INTERVAL never lands on
 * its filters (`FREQ=HOURLY;INTERVAL=24;BYHOUR=5` from 02:00) would walk hour by hour to the year
 * 9999: minutes of one CPU for one request. Walking the periods here costs at most 8,784 steps.
 */
function reachesWithinAYear(rule: RRule): boolean {
  const { freq, interval, dtstart } = rule.options;
  const step = PERIOD_MS[freq];
  if (step === undefined) return true; // MONTHLY and YEARLY reach the year 9999 quickly
  const start = dtstart.getTime();
  for (let at = start; at < start + FIRST_OCCURRENCE_WITHIN_MS; at += step * interval) {
    if (freq === Frequency.WEEKLY ? weekPasses(rule, at) : dayPasses(rule, new Date(at), freq))
      return true;
  }
  return false;
}

const PERIOD_MS: Partial<Record<Frequency, number>> = {
  [Frequency.HOURLY]: HOUR_MS,
  [Frequency.DAILY]: DAY_MS,
  [Frequency.WEEKLY]: 7 * DAY_MS,
};

/** A weekly period passes when one of its days is in BYMONTH (the only part that limits it). */
function weekPasses(rule: RRule, at: number): boolean {
  const months = rule.options.bymonth;
  if (!months?.length) return true;
  for (let day = 0; day < 7; day++) {
    if (months.includes(new Date(at + day * DAY_MS).getUTCMonth() + 1)) return true;
  }
  return false;
}

function dayPasses(rule: RRule, date: Date, freq: Frequency): boolean {
  const { bymonth, bymonthday, bynmonthday, byweekday, byhour } = rule.options;
  const month = date.getUTCMonth() + 1;
  if (bymonth?.length && !bymonth.includes(month)) return false;
  const day = date.getUTCDate();
  const length = new Date(Date.UTC(date.getUTCFullYear(), month, 0)).getUTCDate();
  const byDays = (bymonthday?.length ?? 0) + (bynmonthday?.length ?? 0) > 0;
  if (byDays && !bymonthday?.includes(day) && !bynmonthday?.includes(day - length - 1))
    return false;
  // rrule numbers weekdays from Monday (0); Date from Sunday (0).
  if (byweekday?.length && !byweekday.includes((date.getUTCDay() + 6) % 7)) return false;
  if (freq === Frequency.HOURLY && byhour?.length && !byhour.includes(date.getUTCHours()))
    return false;
  return true;
}

function isInvalidPart(value: unknown): boolean {
  return value === undefined || value === null || Number.isNaN(value);
}

/**
 * Judged over the first weeks only, with `between`, which stops at its end: `all` would walk
 * hour by hour to the year 9999 looking for a rule that never matches (`BYMONTHDAY=30;BYMONTH=2`).
 */
function densityProblem(rule: RRule): string | null {
  const start = rule.options.dtstart.getTime();
  if (
    rule.between(new Date(start), new Date(start + FIRST_OCCURRENCE_WITHIN_MS), true).length === 0
  )
    return 'has no occurrence within a year of startsAt';
  const sample = rule.between(new Date(start), new Date(start + DENSITY_SPAN_MS), true);
  const tooClose = sample.some(
    (date, i) => i > 0 && date.getTime() - sample[i - 1]!.getTime() < HOUR_MS,
  );
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

/**
 * The occurrence in progress or starting within two days, else the rule's next one after that:
 * `after` walks the rule once from its start, where looking a week at a time would walk it once
 * a week.
 */
function firstOccurrenceFrom(
  window: MaintenanceWindowTimes,
  after: number,
): MaintenanceOccurrence | null {
  if (!window.recurrence) return occurrencesBetween(window, after, Infinity)[0] ?? null;
  const [near] = occurrencesBetween(window, after, after + 2 * DAY_MS);
  if (near) return near;
  const start = Date.parse(window.startsAt);
  const duration = Date.parse(window.endsAt) - start;
  const rule = ruleOf(window.recurrence, new Date(start), window.timeZone);
  const wall = rule.after(new Date(wallClockOf(after + DAY_MS, window.timeZone)), true);
  if (!wall) return null;
  const at = instantOf(wall.getTime(), window.timeZone);
  if (at > Math.max(after, start) + HORIZON_MS) return null;
  return {
    id: window.id,
    name: window.name,
    startsAt: new Date(at).toISOString(),
    endsAt: new Date(at + duration).toISOString(),
  };
}
