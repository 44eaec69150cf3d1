import type { AlertPolicy } from '@uptime/contracts';
import { type PendingSlot, msOf } from './alert-state';
import type { RegionPlan } from './slot-grouping';

/**
 * What one decided slot of a multi-region monitor says about its regions: which answered (a
 * `prober_error` or a missing answer is no answer) and which of those failed. It is all the region
 * judgement needs, and small enough to store per slot.
 */
export interface SlotObservation {
  monitorId: string;
  ownerId: string;
  scheduledAt: string;
  answered: string[];
  failing: string[];
}

export interface RegionHealthRules {
  /** How far after a slot the judgement looks for the other monitors' slots. */
  windowMs: number;
  /** Monitors answered in the region within the window, at least, before anything is judged. */
  minMonitors: number;
  /** Owners (teams) that must each, by the majority of their monitors, see the region cut. */
  minOwners: number;
}

export interface RegionJudgement {
  region: string;
  /** Monitors answered in the region within the window (each by its newest slot there). */
  monitors: number;
  /** Of them, the ones where the region failed while another region did not. */
  suspects: number;
  owners: number;
  suspectOwners: number;
  /** The region, not the monitors' targets, is judged to be failing. */
  cut: boolean;
}

/** The observation of a decided slot, or null when it does not take part (fewer than 2 answers). */
export function observationOf(
  slot: PendingSlot,
  plan: RegionPlan,
  policy: AlertPolicy,
  monitor: { monitorId: string; ownerId: string },
): SlotObservation | null {
  const answers = slot.answers.filter(
    (a) => a.errorKind !== 'prober_error' && plan.regions.includes(a.region),
  );
  if (answers.length < 2) return null;
  const failing = answers.filter(
    (a) => a.outcome === 'down' || (a.outcome === 'degraded' && policy.alertOnDegraded),
  );
  return {
    ...monitor,
    scheduledAt: slot.scheduledAt,
    answered: answers.map((a) => a.region).sort(),
    failing: failing.map((a) => a.region).sort(),
  };
}

/** The region failed in this slot while at least one other region answered without failing. */
export function isSuspectFor(observation: SlotObservation, region: string): boolean {
  return (
    observation.failing.includes(region) &&
    observation.answered.some((r) => !observation.failing.includes(r))
  );
}

/**
 * Whether `region` is cut off at `from`: over the slots scheduled in [from, from + window] (after
 * the slot being judged, never before it: slots from before a cut agree and would dilute it), each
 * monitor by its newest slot, more than half of the monitors and more than half of the owners see
 * the region fail alone. Owners vote once each, so that one team with many monitors against its
 * own server cannot make the platform mute a region for everybody.
 */
export function judgeRegion(
  region: string,
  observations: readonly SlotObservation[],
  from: Date,
  rules: RegionHealthRules,
): RegionJudgement {
  const newest = newestPerMonitor(inWindow(observations, region, from, rules.windowMs));
  const suspects = newest.filter((o) => isSuspectFor(o, region));
  const byOwner = new Map<string, { monitors: number; suspects: number }>();
  for (const o of newest) {
    const owner = byOwner.get(o.ownerId) ?? { monitors: 0, suspects: 0 };
    owner.monitors++;
    if (isSuspectFor(o, region)) owner.suspects++;
    byOwner.set(o.ownerId, owner);
  }
  const owners = byOwner.size;
  const suspectOwners = [...byOwner.values()].filter((o) => 2 * o.suspects > o.monitors).length;
  const cut =
    newest.length >= rules.minMonitors &&
    2 * suspects.length > newest.length &&
    suspectOwners >= rules.minOwners &&
    2 * suspectOwners > owners;
  return { region, monitors: newest.length, suspects: suspects.length, owners, suspectOwners, cut };
}

/**
 * Whether a region judged cut agrees with the others again: over [from, from + window] no slot
 * saw it fail alone. A window without any answer from the region counts as recovered too: its
 * probers are gone, which `GET /regions` reports as `down`, and nothing of it is judged anyway.
 */
export function hasRecovered(
  region: string,
  observations: readonly SlotObservation[],
  from: Date,
  rules: Pick<RegionHealthRules, 'windowMs'>,
): boolean {
  return !inWindow(observations, region, from, rules.windowMs).some((o) => isSuspectFor(o, region));
}

function inWindow(
  observations: readonly SlotObservation[],
  region: string,
  from: Date,
  windowMs: number,
): SlotObservation[] {
  const start = from.getTime();
  const end = start + windowMs;
  return observations.filter((o) => {
    const at = msOf(o.scheduledAt);
    return at >= start && at <= end && o.answered.includes(region);
  });
}

function newestPerMonitor(observations: SlotObservation[]): SlotObservation[] {
  const newest = new Map<string, SlotObservation>();
  for (const o of observations) {
    const known = newest.get(o.monitorId);
    if (!known || msOf(o.scheduledAt) > msOf(known.scheduledAt)) newest.set(o.monitorId, o);
  }
  return [...newest.values()];
}
