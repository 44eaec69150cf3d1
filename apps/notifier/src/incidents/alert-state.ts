import type {
  AlertPolicy,
  CheckAssertion,
  CheckOutcome,
  CheckResult,
  ErrorKind,
} from '@uptime/contracts';

/**
 * How many applied check ids a state remembers. JetStream redelivers what was not acked, which
 * is a handful of recent results; anything older that comes back again falls outside the window
 * (at most 20 results) or before the last resolution, where it cannot change a decision either.
 * Three times the largest window is margin enough; every result rewrites this jsonb value, so
 * its size is paid thousands of times a second (200 ids were 8 KB a row: docs/performance.md).
 */
export const APPLIED_IDS_KEPT = 64;

/** What the notifier keeps of one check: enough to evaluate the window and to name a cause. */
export interface CheckSummary {
  checkId: string;
  scheduledAt: string;
  region: string;
  outcome: CheckOutcome;
  errorKind: ErrorKind | null;
  httpStatus: number | null;
  latencyMs: number;
  message: string | null;
  /**
   * The assertions a failed check broke, which alerts name as the cause. Absent for a passing
   * check (every result rewrites the window, so it stays small) and in states stored before
   * assertions existed.
   */
  assertions?: CheckAssertion[];
  /** Only in a certificate incident's cause: the expiry that opened it. */
  certificateExpiresAt?: string;
  /**
   * Set on the window's entries of a monitor judged per slot (two regions or more): the slot's
   * verdict. The rest of the summary is the slot's first failing region's check (its first
   * answer when none failed), which names the cause.
   */
  verdict?: SlotOutcome;
  /** With `verdict`: what each region answered in the slot, by region name. */
  regions?: RegionAnswer[];
  /** With `verdict`: how many regions had to fail for the slot to be down. */
  quorum?: number;
}

/** A slot's verdict across the monitor's regions. */
export type SlotOutcome = 'up' | 'degraded' | 'partial' | 'down';

/** What one region answered in a slot. */
export interface RegionAnswer {
  region: string;
  outcome: CheckOutcome;
  errorKind: ErrorKind | null;
}

/**
 * A slot that some of the monitor's regions have answered, waiting for the others until
 * `deadlineAt`. Stored in the state, so a restart (or another replica) decides it all the same.
 */
export interface PendingSlot {
  scheduledAt: string;
  deadlineAt: string;
  /** One per region, first answer kept; a region's `prober_error` answer is kept and never counts. */
  answers: CheckSummary[];
}

/**
 * A decided slot that would page because one region failed while another did not: it waits until
 * `releaseAt` for the region judgement (did the region, not the target, fail?) before it counts.
 */
export interface HeldSlot extends PendingSlot {
  releaseAt: string;
}

export type IncidentKind = 'down' | 'degraded' | 'partial';

export interface OpenIncident {
  /** The id of the check that caused it: a redelivered result can never open a second incident. */
  id: string;
  /** When the cause was scheduled: the outage began there, not when the rule was satisfied. */
  startedAt: string;
  cause: CheckSummary;
  kind: IncidentKind;
  lastNotifiedAt: string;
  /**
   * When the incident opened here, which escalation delays count from. Absent in states stored
   * before escalation existed, which count from `startedAt`.
   */
  openedAt?: string;
  /** The escalation steps already fired, each once: absent or empty when none has. */
  escalations?: FiredEscalation[];
}

/** One escalation step that fired: which (1 for the policy's first), when, and whom it told. */
export interface FiredEscalation {
  step: number;
  at: string;
  channelIds: string[];
}

/** The open certificate incident: kept apart from the availability one, which it never affects. */
export interface OpenCertificateIncident {
  id: string;
  startedAt: string;
  expiresAt: string;
}

/** One monitor's alerting memory, stored as a single jsonb value: plain data only. */
export interface MonitorAlertState {
  version: 1;
  /**
   * Counted results (never `prober_error`), oldest first by scheduledAt then check id; the
   * newest `max(windowSize, successesToResolve)` of them. The run of successes that resolves an
   * incident is read from here too, so no separate counter can disagree with it.
   */
  window: CheckSummary[];
  incident: OpenIncident | null;
  /**
   * The newest result of the window that resolved the last incident. Results scheduled at or
   * before it belong to that incident's past: arriving late, they no longer count.
   */
  countsAfter: string | null;
  /** Most recent last; bounded by APPLIED_IDS_KEPT. */
  appliedCheckIds: string[];
  /** The newest scheduledAt applied, counted or not. */
  lastScheduledAt: string | null;
  /** Absent in states stored before certificate incidents existed, which read as none open. */
  certificate?: OpenCertificateIncident | null;
  /** Slots waiting for regions, oldest first (monitors with two regions or more). */
  pendingSlots?: PendingSlot[];
  /** Region-suspect slots waiting for the region judgement, oldest first; absent: none. */
  heldSlots?: HeldSlot[];
  /** The slot times decided lately, newest last, bounded by DECIDED_SLOTS_KEPT. */
  decidedSlots?: string[];
  /** The newest decided slot's verdict: the monitor's `partial` status comes from here. */
  lastVerdict?: { scheduledAt: string; outcome: SlotOutcome; regions: RegionAnswer[] } | null;
  /**
   * Whether the newest result applied ran in a maintenance window: no reminder goes out while it
   * does. Absent in states stored before maintenance windows existed: not in maintenance.
   */
  inMaintenance?: boolean;
}

export function emptyAlertState(): MonitorAlertState {
  return {
    version: 1,
    window: [],
    incident: null,
    countsAfter: null,
    appliedCheckIds: [],
    lastScheduledAt: null,
  };
}

export function causeSummary(result: CheckResult): CheckSummary {
  const broken = result.outcome === 'up' ? [] : result.assertions.filter((a) => !a.passed);
  return {
    checkId: result.id,
    scheduledAt: result.scheduledAt,
    region: result.region,
    outcome: result.outcome,
    errorKind: result.errorKind,
    httpStatus: result.httpStatus,
    latencyMs: result.latencyMs,
    message: storable(result.message),
    ...(broken.length > 0 ? { assertions: storable(broken) } : {}),
  };
}

/**
 * The value with every NUL character replaced by U+FFFD. A summary is stored as jsonb, which
 * refuses \u0000 (SQLSTATE 22P05); a check's message and assertion values carry what a target or
 * a job sent (a ping's body, a JSON field), so one NUL would make the result fail its
 * transaction on every redelivery.
 */
function storable<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\ufffd') as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, storable(v)])) as T;
}

/**
 * Degraded is a failure only where the policy asks to be alerted about slowness, and a partial
 * slot (fewer regions failing than the quorum) only where it asks about partial outages.
 */
export function isFailure(check: CheckSummary, policy: AlertPolicy): boolean {
  const outcome = check.verdict ?? check.outcome;
  if (outcome === 'partial') return policy.alertOnPartial === true;
  return outcome === 'down' || (outcome === 'degraded' && policy.alertOnDegraded);
}

/** What an incident opened by this entry is about. */
export function kindOf(check: CheckSummary): IncidentKind {
  const outcome = check.verdict ?? check.outcome;
  return outcome === 'up' ? 'down' : outcome;
}

/** How many counted results the rules can look back on under this policy. */
export function retainedResults(policy: AlertPolicy): number {
  return Math.max(policy.windowSize, policy.successesToResolve);
}

/**
 * Timestamps are compared as instants: `…:00Z` and `…:00.000Z` are the same time but do not
 * sort as strings.
 */
export function msOf(timestamp: string): number {
  return Date.parse(timestamp);
}

/** Inserts in time order, so a late result lands where it happened; ties (regions) by check id. */
export function insertByTime(window: CheckSummary[], check: CheckSummary): CheckSummary[] {
  const at = window.findIndex((c) => compareChecks(check, c) < 0);
  if (at === -1) return [...window, check];
  return [...window.slice(0, at), check, ...window.slice(at)];
}

function compareChecks(a: CheckSummary, b: CheckSummary): number {
  return msOf(a.scheduledAt) - msOf(b.scheduledAt) || compareIds(a.checkId, b.checkId);
}

/** Code-unit order, not localeCompare: the same ids must sort the same on every host. */
function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

export function laterOf(a: string | null, b: string): string {
  return a !== null && msOf(a) >= msOf(b) ? a : b;
}
