import type { DailyFigures } from '@uptime/contracts';

/** Checks and failures over some days, and the share of checks that did not fail. */
export interface UptimeOverDays {
  checks: number;
  down: number;
  /** (checks - down) / checks, from 0 to 1; null when there was no check to judge by. */
  ratio: number | null;
}

/**
 * Uptime over a run of days, from the metrics service's daily figures: the public status page
 * (per day, per monitor, per bar) and the uptime badge read it the same way.
 */
export function uptimeOverDays(days: readonly DailyFigures[]): UptimeOverDays {
  const checks = days.reduce((sum, d) => sum + d.checks, 0);
  const down = days.reduce((sum, d) => sum + d.down, 0);
  return { checks, down, ratio: checks === 0 ? null : (checks - down) / checks };
}
