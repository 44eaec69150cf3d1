import type { AlertPolicy, CheckResult } from '@uptime/contracts';
import { type MonitorAlertState, emptyAlertState, isFailure, retainedResults } from './alert-state';
import { IncidentTracker } from './incident-tracker';
import type { RegionPlan } from './slot-grouping';

/**
 * What the notifier remembers of a monitor between batches: the row it last saw (by its
 * PostgreSQL row version, `xmin`), whether that row was quiet, and the results it took in
 * without writing since.
 */
interface SeenMonitor {
  /**
   * The row's `xmin` when it was seen: any write to the row since (ours, another replica's, a
   * monitor event, a timer) changes it, and the entry is then no longer trusted.
   */
  revision: string;
  /** Absent: the row was not quiet, so its results go to the row. */
  quiet?: {
    policy: AlertPolicy;
    plan: RegionPlan;
    paused: boolean;
    /** Results taken in without a write, newest last, at most the policy's retained window. */
    absorbed: CheckResult[];
  };
}

/** A row as the recorder read or committed it, with that version. */
export interface SeenRow {
  monitorId: string;
  revision: string;
  state: MonitorAlertState;
  policy: AlertPolicy;
  plan: RegionPlan | null;
  paused: boolean;
}

/**
 * Most results change no alerting state: a monitor that is up stays up. Writing its row for each
 * one (lock, jsonb rewrite, commit) was the notifier's whole cost per result. A monitor whose
 * stored state is quiet (no incident, no failure in its window, no slot waiting, not in
 * maintenance) takes such results in memory instead; only a result that would change more than
 * the window of successes goes to the database, with the results taken in before it replayed on
 * the row first, so the stored window ends up as if each had been written.
 *
 * Replicas share the result consumer, so a monitor's results may reach either: an entry is used
 * only while the row's `xmin` is still the one seen (one small read per batch, no lock, no
 * write); a row written since is read again (no lock either). Nothing here needs to survive a
 * restart: a restarted replica reads the rows again, and the successes it had not written only
 * ever made an all-success window longer.
 */
export class QuietMonitors {
  private readonly monitors = new Map<string, SeenMonitor>();

  /**
   * Takes the result in memory if it leaves the monitor quiet and decides nothing; false when it
   * must be applied to the row (unknown or changed row, or a result that matters).
   */
  absorb(result: CheckResult, revision: string | undefined, now: Date): boolean {
    const seen = this.monitors.get(result.monitorId);
    if (!seen?.quiet || revision === undefined || seen.revision !== revision) return false;
    const monitor = seen.quiet;
    if (monitor.paused) return true;
    // From an empty state: what it decides is what the quiet stored one would (no incident or
    // certificate to resolve, no failure to add to), and it must leave the window quiet.
    const evaluation = IncidentTracker.apply(
      emptyAlertState(),
      result,
      monitor.policy,
      now,
      monitor.plan,
    );
    if (evaluation.decisions.length > 0 || !isQuiet(evaluation.state, monitor.policy)) return false;
    monitor.absorbed.push(result);
    if (monitor.absorbed.length > retainedResults(monitor.policy)) monitor.absorbed.shift();
    return true;
  }

  /** The results taken in since `revision`, to replay on the row; none if the row changed. */
  absorbedSince(monitorId: string, revision: string | undefined): CheckResult[] {
    const seen = this.monitors.get(monitorId);
    return seen?.quiet && seen.revision === revision ? seen.quiet.absorbed : [];
  }

  /** Whether the row was seen at this version: reading it again would tell nothing new. */
  isAt(monitorId: string, revision: string): boolean {
    return this.monitors.get(monitorId)?.revision === revision;
  }

  /**
   * Remembers the row as read or committed; what was taken in memory against an older version
   * is dropped (only successes, which the row's all-success window does not miss).
   */
  seen(row: SeenRow): void {
    const { revision, policy, plan, paused } = row;
    const quiet = plan !== null && (paused || isQuiet(row.state, policy));
    this.monitors.set(row.monitorId, {
      revision,
      quiet: quiet ? { policy, plan, paused, absorbed: [] } : undefined,
    });
  }

  forget(monitorId: string): void {
    this.monitors.delete(monitorId);
  }

  get size(): number {
    return this.monitors.size;
  }
}

/**
 * A state that successes leave as it is, apart from its window of successes: nothing open,
 * nothing waiting, no failure that a later result could add up with, no verdict to clear.
 */
export function isQuiet(state: MonitorAlertState, policy: AlertPolicy): boolean {
  return (
    state.incident === null &&
    !state.certificate &&
    !state.inMaintenance &&
    !state.lastVerdict &&
    (state.pendingSlots ?? []).length === 0 &&
    (state.heldSlots ?? []).length === 0 &&
    !state.window.some((c) => isFailure(c, policy) || c.verdict !== undefined)
  );
}
