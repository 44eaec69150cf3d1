import type { AlertPolicy, CheckResult } from '@uptime/contracts';
import {
  type CheckSummary,
  type HeldSlot,
  type MonitorAlertState,
  type PendingSlot,
  type RegionAnswer,
  type SlotOutcome,
  msOf,
} from './alert-state';

/**
 * How long after a slot's check timeout its last region may still answer before the slot is
 * decided without it: a prober's queue, its publish and the notifier's pull all fit in it.
 */
export const SLOT_MARGIN_MS = 10_000;

/**
 * Decided slot times a state remembers, to tell a late answer from the first of a new slot. An
 * answer for a slot older than all of them is late as well, so the list stays bounded.
 */
export const DECIDED_SLOTS_KEPT = 32;

/**
 * Slots waiting at once, at most: the deadline already bounds them (timeout + margin over the
 * interval, a handful), this only guards the jsonb value if the slot clock stops; past it the
 * oldest is decided with the regions it has.
 */
export const PENDING_SLOTS_KEPT = 16;

/** What the notifier knows of a monitor's regions to group its results by slot. */
export interface RegionPlan {
  /** The regions the monitor is checked from (its own list, else the platform's). */
  regions: string[];
  timeoutMs: number;
  /**
   * Regions with an open region incident: their answers are not judged, as a `prober_error`
   * is not. Absent: none.
   */
  regionsCut?: readonly string[];
  /**
   * How long after its slot a region-suspect slot that would page waits for the region
   * judgement (the judgement's window); absent or 0: such slots are not held.
   */
  regionHoldMs?: number;
  /**
   * Whether decided slots are reported as the region judgement's evidence (`slotObserved`);
   * absent: only while slots are held. Region incidents observe slots even while too few
   * monitors or teams take part for a judgement to cut a region, and hold nothing then.
   */
  observeRegions?: boolean;
}

/** A monitor judged per result: one region, or a plan that groups nothing. */
export const SINGLE_REGION: RegionPlan = { regions: [], timeoutMs: 0 };

/**
 * Whether a result is judged together with its slot's other regions: only for monitors checked
 * from two regions or more. On-demand checks run in one region and say nothing about a quorum;
 * results from a region the monitor does not list (a heartbeat's `push`, a region just removed)
 * are judged alone, as a single-region monitor's are.
 */
export function joinsSlot(result: CheckResult, plan: RegionPlan): boolean {
  return plan.regions.length >= 2 && !result.onDemand && plan.regions.includes(result.region);
}

/**
 * Regions that must fail for a slot to be down: the policy's, else half, rounded up. A quorum
 * above the regions (possible for a monitor naming none, checked from every platform region,
 * which validation cannot count) is read as all of them, so the monitor can still go down.
 */
export function quorumOf(policy: AlertPolicy, regionCount: number): number {
  const quorum = policy.regionQuorum ?? Math.ceil(regionCount / 2);
  return Math.min(quorum, regionCount);
}

export function slotDeadline(scheduledAt: string, timeoutMs: number): string {
  return new Date(msOf(scheduledAt) + timeoutMs + SLOT_MARGIN_MS).toISOString();
}

/** The earliest pending deadline or held release, which the slot clock looks for. */
export function nextSlotDeadline(state: MonitorAlertState): Date | null {
  const deadlines = [
    ...(state.pendingSlots ?? []).map((s) => msOf(s.deadlineAt)),
    ...(state.heldSlots ?? []).map((s) => msOf(s.releaseAt)),
  ];
  return deadlines.length === 0 ? null : new Date(Math.min(...deadlines));
}

/** The slot with the answers of cut-off regions made `prober_error`: they are not judged. */
export function withoutCutRegions(slot: PendingSlot, plan: RegionPlan): PendingSlot {
  const cut = plan.regionsCut ?? [];
  if (!slot.answers.some((a) => cut.includes(a.region))) return slot;
  return {
    ...slot,
    answers: slot.answers.map((a) =>
      cut.includes(a.region) ? { ...a, errorKind: 'prober_error' } : a,
    ),
  };
}

/**
 * Whether a verdict may be a region's fault rather than the target's: some region failed while
 * another answered without failing. Such a verdict waits for the region judgement before it
 * pages (see `holdSlot`).
 */
export function isRegionSuspect(verdict: CheckSummary, policy: AlertPolicy): boolean {
  const answered = (verdict.regions ?? []).filter((r) => r.errorKind !== 'prober_error');
  const failing = answered.filter(
    (r) => r.outcome === 'down' || (r.outcome === 'degraded' && policy.alertOnDegraded),
  );
  return failing.length > 0 && failing.length < answered.length;
}

export function releaseAt(slot: PendingSlot, plan: RegionPlan): string {
  const holdMs = plan.regionHoldMs ?? 0;
  return new Date(msOf(slot.scheduledAt) + holdMs + plan.timeoutMs + SLOT_MARGIN_MS).toISOString();
}

/** Keeps a decided slot aside until its release (the tracker bounds how many wait). */
export function withHeld(state: MonitorAlertState, held: HeldSlot): MonitorAlertState {
  const heldSlots = [...(state.heldSlots ?? []), held].sort(
    (a, b) => msOf(a.scheduledAt) - msOf(b.scheduledAt),
  );
  return { ...state, heldSlots };
}

export function withoutHeld(state: MonitorAlertState, released: HeldSlot[]): MonitorAlertState {
  const heldSlots = (state.heldSlots ?? []).filter((s) => !released.includes(s));
  return { ...state, heldSlots };
}

export function sameInstant(a: string, b: string): boolean {
  return msOf(a) === msOf(b);
}

/**
 * Whether an answer for this slot arrives after its slot was decided (or so long after that its
 * decision is forgotten): it is stored by metrics as any result, but the verdict stands.
 */
export function isLate(state: MonitorAlertState, scheduledAt: string): boolean {
  const decided = state.decidedSlots ?? [];
  if (decided.some((d) => sameInstant(d, scheduledAt))) return true;
  if (state.countsAfter !== null && msOf(scheduledAt) <= msOf(state.countsAfter)) return true;
  const oldest = decided[0];
  return (
    decided.length >= DECIDED_SLOTS_KEPT && oldest !== undefined && msOf(scheduledAt) < msOf(oldest)
  );
}

/** Every region of the plan has answered the slot (a `prober_error` answer included). */
export function isComplete(slot: PendingSlot, plan: RegionPlan): boolean {
  return plan.regions.every((region) => slot.answers.some((a) => a.region === region));
}

/**
 * The slot's verdict as a window entry, or null when no region could judge the target (every
 * answer a `prober_error`, or none at all): such a slot counts neither way.
 *
 * A failing region is one whose check counts as a failure under the policy (`down`, or
 * `degraded` with `alertOnDegraded`). At least the quorum failing is `down` (`degraded` when all
 * of them were only slow); fewer is `partial`; none is `up` (`degraded` when some were slow). A
 * region that did not answer by the deadline, or answered `prober_error`, is not failing: the
 * quorum is counted over the monitor's regions, so it cannot be reached by regions whose probers
 * are themselves in trouble.
 */
export function slotVerdict(
  slot: PendingSlot,
  plan: RegionPlan,
  policy: AlertPolicy,
): CheckSummary | null {
  const answered = slot.answers
    .filter((a) => a.errorKind !== 'prober_error' && plan.regions.includes(a.region))
    .sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
  if (answered.length === 0) return null;
  const failing = answered.filter(
    (a) => a.outcome === 'down' || (a.outcome === 'degraded' && policy.alertOnDegraded),
  );
  const quorum = quorumOf(policy, plan.regions.length);
  const verdict = outcomeOf(answered, failing, quorum);
  const [representative] = failing.length > 0 ? failing : answered;
  const regions: RegionAnswer[] = [...slot.answers]
    .sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0))
    .map((a) => ({ region: a.region, outcome: a.outcome, errorKind: a.errorKind }));
  return {
    ...representative!,
    scheduledAt: slot.scheduledAt,
    verdict,
    regions,
    quorum,
  };
}

function outcomeOf(answered: CheckSummary[], failing: CheckSummary[], quorum: number): SlotOutcome {
  if (failing.length >= quorum) {
    return failing.every((a) => a.outcome === 'degraded') ? 'degraded' : 'down';
  }
  if (failing.length > 0) return 'partial';
  return answered.some((a) => a.outcome === 'degraded') ? 'degraded' : 'up';
}

/** Adds a region's answer to its pending slot (a new one if it is the slot's first). */
export function withAnswer(
  state: MonitorAlertState,
  answer: CheckSummary,
  plan: RegionPlan,
): { state: MonitorAlertState; slot: PendingSlot } {
  const pending = state.pendingSlots ?? [];
  const existing = pending.find((s) => sameInstant(s.scheduledAt, answer.scheduledAt));
  const base: PendingSlot = existing ?? {
    scheduledAt: answer.scheduledAt,
    deadlineAt: slotDeadline(answer.scheduledAt, plan.timeoutMs),
    answers: [],
  };
  // One answer per region: a second check of a region in one slot (a re-run) changes nothing.
  const slot = base.answers.some((a) => a.region === answer.region)
    ? base
    : { ...base, answers: [...base.answers, answer] };
  const others = pending.filter((s) => s !== existing);
  const pendingSlots = [...others, slot].sort((a, b) => msOf(a.scheduledAt) - msOf(b.scheduledAt));
  return { state: { ...state, pendingSlots }, slot };
}

/** Takes a slot out of the pending ones and remembers it as decided. */
export function withDecided(state: MonitorAlertState, slot: PendingSlot): MonitorAlertState {
  const pendingSlots = (state.pendingSlots ?? []).filter(
    (s) => !sameInstant(s.scheduledAt, slot.scheduledAt),
  );
  const decidedSlots = [...(state.decidedSlots ?? []), slot.scheduledAt]
    .sort((a, b) => msOf(a) - msOf(b))
    .slice(-DECIDED_SLOTS_KEPT);
  return { ...state, pendingSlots, decidedSlots };
}

/** The verdict the monitor's status shows: the newest decided slot's. */
export function withLastVerdict(
  state: MonitorAlertState,
  verdict: CheckSummary,
): MonitorAlertState {
  const last = state.lastVerdict;
  if (last && msOf(last.scheduledAt) > msOf(verdict.scheduledAt)) return state;
  return {
    ...state,
    lastVerdict: {
      scheduledAt: verdict.scheduledAt,
      outcome: verdict.verdict ?? 'up',
      regions: verdict.regions ?? [],
    },
  };
}
