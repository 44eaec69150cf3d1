import type { AlertPolicy } from '@uptime/contracts';
import {
  type FiredEscalation,
  type IncidentKind,
  type MonitorAlertState,
  type OpenIncident,
  msOf,
} from './alert-state';

export interface EscalateDecision {
  type: 'escalate';
  incidentId: string;
  kind: IncidentKind;
  /** 1 for the policy's first step. */
  step: number;
  afterMinutes: number;
  channelIds: string[];
}

/**
 * Fires the escalation steps of the open availability incident whose time has come: step n
 * tells its channels once, `afterMinutes` after the incident opened. Pure and clocked by `now`,
 * like the tracker: which steps fired is kept in the incident's state, stored in the transaction
 * that queues their alerts, so a step fires once whatever restarts or replicas do.
 *
 * Steps are known by their position. A policy changed mid-incident applies to the steps that
 * have not fired: one that already fired never fires again (even if its channels or delay
 * changed), and a step whose new time has already passed fires at the next call. Several steps
 * due at once (a notifier that was down) all fire, in order.
 */
export function escalate(
  state: MonitorAlertState,
  policy: Partial<Pick<AlertPolicy, 'escalation'>>,
  now: Date,
): { state: MonitorAlertState; decisions: EscalateDecision[] } {
  const incident = state.incident;
  const steps = policy.escalation ?? [];
  if (!incident || steps.length === 0) return { state, decisions: [] };
  const fired = new Set(firedEscalations(incident).map((e) => e.step));
  const since = msOf(incident.openedAt ?? incident.startedAt);
  const decisions: EscalateDecision[] = steps.flatMap((policyStep, i) => {
    const step = i + 1;
    if (fired.has(step) || now.getTime() < since + policyStep.afterMinutes * 60_000) return [];
    return [
      {
        type: 'escalate' as const,
        incidentId: incident.id,
        kind: incident.kind,
        step,
        afterMinutes: policyStep.afterMinutes,
        channelIds: [...new Set(policyStep.channelIds)],
      },
    ];
  });
  if (decisions.length === 0) return { state, decisions };
  const escalations: FiredEscalation[] = [
    ...firedEscalations(incident),
    ...decisions.map((d) => ({ step: d.step, at: now.toISOString(), channelIds: d.channelIds })),
  ];
  return { state: { ...state, incident: { ...incident, escalations } }, decisions };
}

export function firedEscalations(incident: OpenIncident): FiredEscalation[] {
  return incident.escalations ?? [];
}

/** Every channel an escalation step told about the incident, once each. */
export function escalatedChannelIds(incident: OpenIncident): string[] {
  return [...new Set(firedEscalations(incident).flatMap((e) => e.channelIds))];
}
