import { createHash } from 'node:crypto';
import { type AlertPolicy, type CheckResult, DEFAULT_ALERT_POLICY } from '@uptime/contracts';
import {
  type CheckSummary,
  type MonitorAlertState,
  type OpenCertificateIncident,
  causeSummary,
  msOf,
} from './alert-state';

const DAY_MS = 86_400_000;

export interface CertificateOpenDecision {
  type: 'certificateOpen';
  incidentId: string;
  startedAt: string;
  cause: CheckSummary;
}

export interface CertificateResolveDecision {
  type: 'certificateResolve';
  incidentId: string;
  resolvedAt: string;
  /** The renewed certificate's expiry. */
  expiresAt: string;
}

export type CertificateDecision = CertificateOpenDecision | CertificateResolveDecision;

/**
 * Opens one certificate incident when a check sees its certificate expire within the policy's
 * window (or already expired), and resolves it when a later check sees an expiry beyond it, i.e.
 * a renewed certificate. Pure, like the tracker; a result without a certificate says nothing.
 */
export function watchCertificate(
  state: MonitorAlertState,
  result: CheckResult,
  policy: AlertPolicy,
): { state: MonitorAlertState; decisions: CertificateDecision[] } {
  const expiresAt = result.certificateExpiresAt;
  if (expiresAt === null) return { state, decisions: [] };
  const open = state.certificate ?? null;
  const expiring = msOf(expiresAt) - msOf(result.scheduledAt) <= windowDays(policy) * DAY_MS;
  if (expiring && !open) {
    const incident: OpenCertificateIncident = {
      id: certificateIncidentId(result.id),
      startedAt: result.scheduledAt,
      expiresAt,
    };
    const cause = { ...causeSummary(result), certificateExpiresAt: expiresAt };
    return {
      state: { ...state, certificate: incident },
      decisions: [
        { type: 'certificateOpen', incidentId: incident.id, startedAt: incident.startedAt, cause },
      ],
    };
  }
  // Only a later check can show the renewal: a late result may still carry the old certificate.
  if (!expiring && open && msOf(result.scheduledAt) > msOf(open.startedAt)) {
    const resolvedAt = result.scheduledAt;
    return {
      state: { ...state, certificate: null },
      decisions: [{ type: 'certificateResolve', incidentId: open.id, resolvedAt, expiresAt }],
    };
  }
  return { state, decisions: [] };
}

/** Policies stored before the field existed read as the default. */
function windowDays(policy: Partial<AlertPolicy>): number {
  return policy.certificateExpiryDays ?? DEFAULT_ALERT_POLICY.certificateExpiryDays;
}

/**
 * Derived from the opening check's id, as availability incidents are, so a redelivered result
 * cannot open a second one; hashed because that check may open an availability incident too.
 */
export function certificateIncidentId(checkId: string): string {
  const hex = createHash('sha256').update(`certificate:${checkId}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
