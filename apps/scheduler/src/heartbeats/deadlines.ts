import type { HeartbeatSettings, MissedHeartbeats } from '@uptime/contracts';
import { checkIdOf } from '../schedule/slots';

/**
 * After an outage of the scheduler (no leader for many periods), at most this many missed
 * periods of one monitor are stored, the latest ones; the older ones count as reported. A
 * 10-second heartbeat would otherwise get thousands of results for a day away.
 */
export const MAX_CATCH_UP_PERIODS = 5;

/** What the keeper knows of a heartbeat monitor when it decides. */
export interface HeartbeatClock {
  settings: HeartbeatSettings;
  /** The last ping (or `/fail`) the gateway recorded, epoch ms; null before the first. */
  lastPingAt: number | null;
  /** When the monitor was last created, resumed or changed: its clock restarts then. */
  changedAt: number;
  /** What the leader has already stored as missed, from the KV bucket. */
  missed: MissedHeartbeats | null;
}

/** The periods now due and unreported, and what to record as reported once they are stored. */
export interface DueMisses {
  base: number;
  /** Period numbers k (1-based) whose deadline `base + k × period + grace` has passed. */
  periods: number[];
  /** The `reported` count to record once they are stored. */
  reported: number;
  /** When the next deadline falls (epoch ms). */
  nextDeadline: number;
}

/**
 * Counts from the latest of the last ping, the monitor's last change (creation, resume, edit)
 * and the base already counted from; the k-th missed period falls at base + k × period + grace.
 * Pure, so every scheduler instance computes the same periods from the same facts, and a new
 * leader continues exactly where the old one stopped (its `reported` is in the KV bucket).
 */
export function dueMisses(clock: HeartbeatClock, now: number): DueMisses {
  const periodMs = clock.settings.periodSeconds * 1000;
  const graceMs = clock.settings.graceSeconds * 1000;
  const base = Math.max(
    clock.lastPingAt ?? -Infinity,
    clock.changedAt,
    clock.missed?.base ?? -Infinity,
  );
  const reported = clock.missed?.base === base ? clock.missed.reported : 0;
  const passed =
    now < base + periodMs + graceMs ? 0 : Math.floor((now - base - graceMs) / periodMs);
  const first = Math.max(reported + 1, passed - MAX_CATCH_UP_PERIODS + 1);
  const periods: number[] = [];
  for (let k = first; k <= passed; k++) periods.push(k);
  const done = Math.max(reported, passed);
  return {
    base,
    periods,
    reported: done,
    nextDeadline: deadlineOf(base, clock.settings, done + 1),
  };
}

export function deadlineOf(base: number, settings: HeartbeatSettings, k: number): number {
  return base + k * settings.periodSeconds * 1000 + settings.graceSeconds * 1000;
}

/** The k-th missed period since `base` is one check, whoever stores it and how often. */
export function missedCheckId(monitorId: string, base: number, k: number): string {
  return checkIdOf(monitorId, `heartbeat@${base}`, k);
}
