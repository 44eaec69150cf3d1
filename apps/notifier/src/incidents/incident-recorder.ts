import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { CheckResult } from '@uptime/contracts';
import { AlertDeliverer } from '../alerts/alert-deliverer';
import { AlertOutbox } from '../alerts/alert-outbox';
import type { MonitorAlertStateEntity } from '../monitors/monitor-alert-state.entity';
import { MonitorProjection } from '../monitors/monitor-projection';
import { IncidentEntity } from './incident.entity';
import { type Decision, IncidentTracker, type MonitorAlertState } from './incident-tracker';

/**
 * Applies one check result to its monitor in one transaction: the monitor's row is locked, the
 * tracker decides, and the new state and the incident rows it implies are committed together.
 * A redelivered result finds its check id already applied and decides nothing.
 */
@Injectable()
export class IncidentRecorder {
  constructor(
    private readonly em: EntityManager,
    private readonly monitors: MonitorProjection,
    private readonly outbox: AlertOutbox,
    private readonly deliverer: AlertDeliverer,
  ) {}

  async record(result: CheckResult, now = new Date()): Promise<Decision[]> {
    const decisions = await this.em.fork().transactional(async (em) => {
      const row = await this.monitors.lockOrFetch(em, result.monitorId, result.ownerId);
      if (!row || row.paused) return [];
      const state = row.state as unknown as MonitorAlertState;
      const evaluation = IncidentTracker.apply(state, result, row.policy, now);
      if (evaluation.state === state) return [];
      row.state = evaluation.state as unknown as Record<string, unknown>;
      row.updatedAt = now;
      for (const decision of evaluation.decisions) await this.applyDecision(em, row, decision);
      return evaluation.decisions;
    });
    if (decisions.length > 0) this.deliverer.kick();
    return decisions;
  }

  private async applyDecision(
    em: EntityManager,
    monitor: MonitorAlertStateEntity,
    decision: Decision,
  ): Promise<void> {
    if (decision.type === 'open') {
      const incident = new IncidentEntity();
      incident.id = decision.incidentId;
      incident.monitorId = monitor.monitorId;
      incident.ownerId = monitor.ownerId;
      incident.kind = decision.kind;
      incident.startedAt = new Date(decision.startedAt);
      incident.cause = decision.cause as unknown as Record<string, unknown>;
      incident.timeline = [
        {
          at: decision.startedAt,
          event: 'opened',
          checkId: decision.cause.checkId,
          message: describe(decision.cause),
        },
      ];
      incident.lastNotifiedAt = new Date();
      em.persist(incident);
      await this.outbox.queueForIncident(em, monitor, incident, decision.kind);
      return;
    }
    if (decision.type === 'resolve') {
      const incident = await em.findOne(IncidentEntity, { id: decision.incidentId });
      if (!incident) return;
      incident.state = 'resolved';
      incident.resolvedAt = new Date(decision.resolvedAt);
      const seconds = Math.round(decision.durationMs / 1000);
      incident.timeline = [
        ...incident.timeline,
        {
          at: decision.resolvedAt,
          event: 'resolved',
          checkId: null,
          message: `recovered after ${seconds} s`,
        },
      ];
      await this.outbox.queueForIncident(em, monitor, incident, 'up');
    }
  }
}

function describe(cause: {
  outcome: string;
  errorKind: string | null;
  httpStatus: number | null;
  message: string | null;
}): string {
  return (
    cause.message ?? [cause.outcome, cause.errorKind, cause.httpStatus].filter(Boolean).join(', ')
  );
}
