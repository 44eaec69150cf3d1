import { Controller } from '@nestjs/common';
import { Answers, requestCursor } from '@uptime/bus';
import {
  type Incident,
  keysetCursorAfter,
  type ListIncidentsRequest,
  NotifierSubjects,
  type Page,
  type SlotVerdict,
  type SlotVerdictsRequest,
} from '@uptime/contracts';
import { MonitorAlertStateRepository } from '../monitors/monitor-alert-state.repository';
import type { IncidentEntity } from './incident.entity';
import { IncidentRepository } from './incident.repository';

/** Incidents over NATS request/reply, newest first, always scoped to their owner. */
@Controller()
export class IncidentsHandler {
  constructor(
    private readonly incidents: IncidentRepository,
    private readonly monitors: MonitorAlertStateRepository,
  ) {}

  /** The latest slot verdict of each named monitor of the owner that is judged per slot. */
  @Answers(NotifierSubjects.slotVerdicts)
  async verdicts(req: SlotVerdictsRequest): Promise<{ items: SlotVerdict[] }> {
    const rows = await this.monitors.statesOf(req.ownerId, req.monitorIds);
    const items: SlotVerdict[] = [];
    for (const { monitorId, state } of rows) {
      const verdict = state.lastVerdict;
      if (!verdict) continue;
      items.push({
        monitorId,
        scheduledAt: verdict.scheduledAt,
        status: verdict.outcome,
        regions: verdict.regions,
      });
    }
    return { items };
  }

  @Answers(NotifierSubjects.listIncidents)
  async list(req: ListIncidentsRequest): Promise<Page<Incident>> {
    // An empty cursor has always meant the first page here.
    const after = requestCursor(req.cursor || undefined);
    const rows = await this.incidents.pageNewestFirst(
      { ownerId: req.ownerId, monitorId: req.monitorId, state: req.state },
      req.limit,
      after,
    );
    const items = rows.slice(0, req.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toIncident),
      nextCursor:
        rows.length > req.limit && last ? keysetCursorAfter(last.startedAt, last.id) : null,
    };
  }
}

function toIncident(row: IncidentEntity): Incident {
  return {
    id: row.id,
    monitorId: row.monitorId,
    state: row.state,
    kind: row.kind,
    startedAt: row.startedAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    // Spread: the contract types a cause as an open record, which an interface is not.
    cause: { ...row.cause },
    timeline: row.timeline,
  };
}
