import type { AlertPolicy, CheckResult } from '@uptime/contracts';
import {
  APPLIED_IDS_KEPT,
  type CheckSummary,
  type IncidentKind,
  type MonitorAlertState,
  type OpenIncident,
  causeSummary,
  insertByTime,
  isFailure,
  kindOf,
  laterOf,
  msOf,
  retainedResults,
} from './alert-state';
import { type CertificateDecision, watchCertificate } from './certificate-watch';
import { type EscalateDecision, escalate, escalatedChannelIds } from './escalation';
import { observationOf } from './region-health';
import {
  PENDING_SLOTS_KEPT,
  type RegionPlan,
  SINGLE_REGION,
  isComplete,
  isLate,
  isRegionSuspect,
  joinsSlot,
  releaseAt,
  slotVerdict,
  withAnswer,
  withDecided,
  withHeld,
  withLastVerdict,
  withoutCutRegions,
  withoutHeld,
} from './slot-grouping';
import type { HeldSlot, PendingSlot } from './alert-state';

export {
  APPLIED_IDS_KEPT,
  type CheckSummary,
  type IncidentKind,
  type MonitorAlertState,
  type OpenIncident,
  causeSummary,
  emptyAlertState,
} from './alert-state';
export type { EscalateDecision } from './escalation';

export interface OpenDecision {
  type: 'open';
  incidentId: string;
  kind: IncidentKind;
  startedAt: string;
  cause: CheckSummary;
}

export interface ResolveDecision {
  type: 'resolve';
  incidentId: string;
  resolvedAt: string;
  durationMs: number;
  /** Channels escalation steps told, besides the monitor's: they hear of the recovery too. */
  escalatedChannelIds: string[];
}

export interface RemindDecision {
  type: 'remind';
  incidentId: string;
  kind: IncidentKind;
}

/** A region's answer that came after its slot was decided: the verdict stands, it is counted. */
export interface LateAnswerDecision {
  type: 'lateAnswer';
  checkId: string;
  region: string;
}

/**
 * A multi-region slot was decided: what its regions answered, as evidence for the region
 * judgement (made only while region incidents are on). The answers as they were, cut-off regions
 * included: that evidence is what tells when such a region agrees again.
 */
export interface SlotObservedDecision {
  type: 'slotObserved';
  scheduledAt: string;
  answered: string[];
  failing: string[];
}

export type Decision =
  | OpenDecision
  | SlotObservedDecision
  | ResolveDecision
  | RemindDecision
  | EscalateDecision
  | CertificateDecision
  | LateAnswerDecision;

/** The state to store and what to do about it; storing the state is what makes a decision final. */
export interface Evaluation {
  state: MonitorAlertState;
  decisions: Decision[];
}

/**
 * Turns a monitor's check results into incident decisions under its alert policy. Pure: no
 * clock, no ids, no I/O; the same state, result, policy and time always give the same answer,
 * which is what lets the service replay redelivered results after a restart.
 *
 * Late results (scheduled before ones already applied) are treated like any other: they take
 * their place in the window by scheduledAt and the rules are evaluated on the window as it then
 * is. Thus a late result opens or resolves only when the window, in time order, says so, and a
 * late result older than everything the window keeps changes nothing. Results at or before the
 * point where the last incident resolved never count again, so neither a late failure nor a
 * redelivered cause can reopen (or re-cause) a finished incident.
 */
export class IncidentTracker {
  static apply(
    state: MonitorAlertState,
    result: CheckResult,
    policy: AlertPolicy,
    now: Date,
    plan: RegionPlan = SINGLE_REGION,
  ): Evaluation {
    if (wasApplied(state, result.id)) return unchanged(state);
    const applied = recordApplied(state, result);
    // A monitor no longer judged per slot shows its results' status again, not an old verdict.
    const recorded =
      plan.regions.length < 2 && applied.lastVerdict ? { ...applied, lastVerdict: null } : applied;
    // A maintenance window opens nothing, certificate incidents included.
    const certificate = result.inMaintenance
      ? unchanged(recorded)
      : // The certificate is judged apart from availability: a failing check may still carry one.
        watchCertificate(recorded, result, policy);
    const availability = !countsForAvailability(certificate.state, result, policy)
      ? unchanged(certificate.state)
      : joinsSlot(result, plan)
        ? IncidentTracker.applyToSlot(certificate.state, result, policy, now, plan)
        : counts(certificate.state, result)
          ? IncidentTracker.applyAvailability(certificate.state, causeSummary(result), policy, now)
          : unchanged(certificate.state);
    return {
      state: availability.state,
      decisions: [...certificate.decisions, ...availability.decisions],
    };
  }

  /**
   * Call on a timer: decides every pending slot whose deadline has passed with the regions that
   * answered, and releases the held slots whose release time has passed, judged without the
   * regions `plan.regionsCut` names by then. Deciding removes the slot from the state, so a
   * second call (another replica, a restart) finds nothing left to decide.
   */
  static decideDueSlots(
    state: MonitorAlertState,
    policy: AlertPolicy,
    now: Date,
    plan: RegionPlan,
  ): Evaluation {
    const due = (state.pendingSlots ?? []).filter((s) => msOf(s.deadlineAt) <= now.getTime());
    const decided = IncidentTracker.decideSlots(state, due, policy, now, plan);
    const released = (decided.state.heldSlots ?? []).filter(
      (s) => msOf(s.releaseAt) <= now.getTime(),
    );
    const release = IncidentTracker.release(decided.state, released, policy, now, plan);
    return { state: release.state, decisions: [...decided.decisions, ...release.decisions] };
  }

  /** A region's answer joins its slot; the slot is decided once every region has answered. */
  private static applyToSlot(
    recorded: MonitorAlertState,
    result: CheckResult,
    policy: AlertPolicy,
    now: Date,
    plan: RegionPlan,
  ): Evaluation {
    if (isLate(recorded, result.scheduledAt)) {
      return {
        state: recorded,
        decisions: [{ type: 'lateAnswer', checkId: result.id, region: result.region }],
      };
    }
    const { state, slot } = withAnswer(recorded, causeSummary(result), plan);
    const pending = state.pendingSlots ?? [];
    const ready = pending.filter((s, i) =>
      s === slot ? isComplete(s, plan) : i < pending.length - PENDING_SLOTS_KEPT,
    );
    return IncidentTracker.decideSlots(state, ready, policy, now, plan);
  }

  private static decideSlots(
    state: MonitorAlertState,
    slots: PendingSlot[],
    policy: AlertPolicy,
    now: Date,
    plan: RegionPlan,
  ): Evaluation {
    let next = state;
    const decisions: Decision[] = [];
    for (const slot of slots) {
      next = withDecided(next, slot);
      const observed = observedOf(slot, plan, policy);
      if (observed) decisions.push(observed);
      const verdict = slotVerdict(withoutCutRegions(slot, plan), plan, policy);
      if (!verdict) continue;
      next = withLastVerdict(next, verdict);
      if (!countsAt(next, verdict.scheduledAt)) continue;
      // It would page, but the region may be at fault rather than the target: it waits for the
      // region judgement, which needs the other monitors' slots after it.
      if (mayBeRegionsFault(verdict, policy, plan)) {
        next = withHeld(next, { ...slot, releaseAt: releaseAt(slot, plan) });
        continue;
      }
      const evaluation = IncidentTracker.applyAvailability(next, verdict, policy, now);
      next = evaluation.state;
      decisions.push(...evaluation.decisions);
    }
    // Only if the slot clock stops do they pile up: the oldest then count without the judgement.
    const held = next.heldSlots ?? [];
    const overflow = held.slice(0, Math.max(0, held.length - PENDING_SLOTS_KEPT));
    const released = IncidentTracker.release(next, overflow, policy, now, plan);
    return { state: released.state, decisions: [...decisions, ...released.decisions] };
  }

  /** Held slots count now, judged without the regions found cut off meanwhile. */
  private static release(
    state: MonitorAlertState,
    held: HeldSlot[],
    policy: AlertPolicy,
    now: Date,
    plan: RegionPlan,
  ): Evaluation {
    if (held.length === 0) return unchanged(state);
    let next = withoutHeld(state, held);
    const decisions: Decision[] = [];
    for (const slot of held) {
      const verdict = slotVerdict(withoutCutRegions(slot, plan), plan, policy);
      if (!verdict) continue;
      next = withLastVerdict(next, verdict);
      if (!countsAt(next, verdict.scheduledAt)) continue;
      const evaluation = IncidentTracker.applyAvailability(next, verdict, policy, now);
      next = evaluation.state;
      decisions.push(...evaluation.decisions);
    }
    return { state: next, decisions };
  }

  private static applyAvailability(
    recorded: MonitorAlertState,
    entry: CheckSummary,
    policy: AlertPolicy,
    now: Date,
  ): Evaluation {
    // Trimming here is also how a changed window size takes effect: from the next result on.
    const window = insertByTime(recorded.window, entry).slice(-retainedResults(policy));
    const next = { ...recorded, window };
    return next.incident
      ? resolveIfRecovered(next, next.incident, policy)
      : openIfFailing(next, policy, now);
  }

  /** Call on a timer; reminds at most once per `renotifyMinutes` of an open incident. */
  static remind(state: MonitorAlertState, policy: AlertPolicy, now: Date): Evaluation {
    const incident = state.incident;
    if (!incident || policy.renotifyMinutes === null) return unchanged(state);
    // The team said the monitor is being worked on: no reminders until the window is over.
    if (state.inMaintenance) return unchanged(state);
    const dueAt = msOf(incident.lastNotifiedAt) + policy.renotifyMinutes * 60_000;
    if (now.getTime() < dueAt) return unchanged(state);
    return {
      state: { ...state, incident: { ...incident, lastNotifiedAt: now.toISOString() } },
      decisions: [{ type: 'remind', incidentId: incident.id, kind: incident.kind }],
    };
  }

  /** Call on a timer; fires each escalation step of an open incident once, when it is due. */
  static escalate(state: MonitorAlertState, policy: AlertPolicy, now: Date): Evaluation {
    // As with reminders: nobody is paged further while the monitor is in maintenance.
    if (state.inMaintenance) return unchanged(state);
    return escalate(state, policy, now);
  }
}

function observedOf(
  slot: PendingSlot,
  plan: RegionPlan,
  policy: AlertPolicy,
): SlotObservedDecision | null {
  if (!(plan.observeRegions ?? (plan.regionHoldMs ?? 0) > 0)) return null;
  const seen = observationOf(slot, plan, policy, { monitorId: '', ownerId: '' });
  if (!seen) return null;
  const { scheduledAt, answered, failing } = seen;
  return { type: 'slotObserved', scheduledAt, answered, failing };
}

/** Only a verdict that would count as a failure waits: the rest change no alert either way. */
function mayBeRegionsFault(verdict: CheckSummary, policy: AlertPolicy, plan: RegionPlan): boolean {
  return (
    (plan.regionHoldMs ?? 0) > 0 && isFailure(verdict, policy) && isRegionSuspect(verdict, policy)
  );
}

function unchanged(state: MonitorAlertState): Evaluation {
  return { state, decisions: [] };
}

/** The window's ids too: they outlive the bounded id list when few results are applied often. */
function wasApplied(state: MonitorAlertState, checkId: string): boolean {
  return state.appliedCheckIds.includes(checkId) || state.window.some((c) => c.checkId === checkId);
}

function recordApplied(state: MonitorAlertState, result: CheckResult): MonitorAlertState {
  const newest =
    state.lastScheduledAt === null || msOf(result.scheduledAt) >= msOf(state.lastScheduledAt);
  return {
    ...state,
    inMaintenance: newest ? result.inMaintenance : state.inMaintenance,
    appliedCheckIds: [...state.appliedCheckIds, result.id].slice(-APPLIED_IDS_KEPT),
    lastScheduledAt: laterOf(state.lastScheduledAt, result.scheduledAt),
  };
}

/** A prober that could not check says nothing about the monitor, for it or against it. */
function counts(state: MonitorAlertState, result: CheckResult): boolean {
  if (result.errorKind === 'prober_error') return false;
  return countsAt(state, result.scheduledAt);
}

function countsAt(state: MonitorAlertState, scheduledAt: string): boolean {
  return state.countsAfter === null || msOf(scheduledAt) > msOf(state.countsAfter);
}

/**
 * During maintenance a failure says nothing (the team expects it) and opens nothing; a success
 * still counts towards resolving an incident that was open before the window: a recovery is
 * good news, and it is sent as usual.
 */
function countsForAvailability(
  state: MonitorAlertState,
  result: CheckResult,
  policy: AlertPolicy,
): boolean {
  return !result.inMaintenance || countsInMaintenance(state, result, policy);
}

function countsInMaintenance(
  state: MonitorAlertState,
  result: CheckResult,
  policy: AlertPolicy,
): boolean {
  return state.incident !== null && !isFailure(causeSummary(result), policy);
}

function openIfFailing(state: MonitorAlertState, policy: AlertPolicy, now: Date): Evaluation {
  const failures = state.window.slice(-policy.windowSize).filter((c) => isFailure(c, policy));
  const [cause] = failures;
  if (!cause || failures.length < policy.failuresToOpen) return unchanged(state);
  // Slowness alone is reported as such, a partial outage as such; one hard failure among them
  // makes it an outage.
  const kinds = failures.map(kindOf);
  const kind = kinds.includes('down') ? 'down' : kinds.includes('partial') ? 'partial' : 'degraded';
  const incident: OpenIncident = {
    id: cause.checkId,
    startedAt: cause.scheduledAt,
    cause,
    kind,
    lastNotifiedAt: now.toISOString(),
    openedAt: now.toISOString(),
    escalations: [],
  };
  return {
    state: { ...state, incident },
    decisions: [
      { type: 'open', incidentId: incident.id, kind, startedAt: incident.startedAt, cause },
    ],
  };
}

function resolveIfRecovered(
  state: MonitorAlertState,
  incident: OpenIncident,
  policy: AlertPolicy,
): Evaluation {
  const recovery = trailingSuccesses(state.window, policy);
  const [firstSuccess] = recovery;
  if (!firstSuccess || recovery.length < policy.successesToResolve) return unchanged(state);
  // The incident spans the observed outage: first failure to first success of the resolving run.
  // The clamp only matters when a policy change let a result older than the cause into the run.
  const resolvedAt = laterOf(incident.startedAt, firstSuccess.scheduledAt);
  const confirmedAt = recovery[recovery.length - 1].scheduledAt;
  return {
    // Emptied so the resolved incident's failures cannot count towards the next one.
    state: { ...state, incident: null, window: [], countsAfter: confirmedAt },
    decisions: [
      {
        type: 'resolve',
        incidentId: incident.id,
        resolvedAt,
        durationMs: msOf(resolvedAt) - msOf(incident.startedAt),
        escalatedChannelIds: escalatedChannelIds(incident),
      },
    ],
  };
}

/** The run of successes at the newest end of the window. */
function trailingSuccesses(window: CheckSummary[], policy: AlertPolicy): CheckSummary[] {
  const lastFailure = window.findLastIndex((c) => isFailure(c, policy));
  return window.slice(lastFailure + 1);
}
