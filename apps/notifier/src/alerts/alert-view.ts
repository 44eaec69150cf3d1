import type { Alert } from '@uptime/contracts';
import type { AlertEntity } from './alert.entity';

export function toAlert(row: AlertEntity): Alert {
  return {
    id: row.id,
    incidentId: row.incidentId,
    monitorId: row.monitorId,
    channelId: row.channelId,
    kind: row.kind,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    sentAt: row.sentAt?.toISOString() ?? null,
    escalationStep: row.message.escalation?.step ?? null,
  };
}
