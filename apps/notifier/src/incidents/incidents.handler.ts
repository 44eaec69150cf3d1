import { Controller } from '@nestjs/common';
import { Answers, requestCursor } from '@uptime/bus';
import {
  type Incident,
  type IncidentSummary,
  type IncidentSummaryRequest,
  type PublicIncident,
  type RecentIncidentsRequest,
  keysetCursorAfter,
  type ListIncidentsRequest,
  NotifierSubjects,
  type Page,
  type RegionIncidentList,
  type RegionIncidentQuery,
  type SlotVerdict,
  type SlotVerdictsRequest,
} from '@uptime/contracts';
import { MonitorAlertStateRepository } from '../monitors/monitor-alert-state.repository';
import type { IncidentEntity } from './incident.entity';
import { IncidentRepository } from './incident.repository';
import { toRegionIncident } from './region-incident.entity';
import { RegionIncidentRepository } from './region-incident.repository';

/**
 * Incidents over NATS request/reply, newest first, always scoped to their owner; region incidents
 * are the platform's (the gateway lets only the operator team ask for them).
 */
@Controller()
export class IncidentsHandler {
  constructor(
    private readonly incidents: IncidentRepository,
    private readonly monitors: MonitorAlertStateRepository,
    private readonly regionIncidents: RegionIncidentRepository,
  ) {}

  @Answers(NotifierSubjects.listRegionIncidents)
  async regions(req: RegionIncidentQuery): Promise<RegionIncidentList> {
    const range = {
      from: req.from ? new Date(req.from) : undefined,
      to: req.to ? new Date(req.to) : undefined,
    };
    const rows = await this.regionIncidents.listOpenedBetween(range, req.limit);
    return { items: rows.map(toRegionIncident) };
  }

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

  @Answers(NotifierSubjects.incidentSummary)
  summary(req: IncidentSummaryRequest): Promise<IncidentSummary> {
    return this.incidents.summary(
      { ownerId: req.ownerId, monitorId: req.monitorId },
      new Date(req.from),
      new Date(req.to),
    );
  }

  /** What a public status page may show: no cause, no timeline (they may name private details). */
  @Answers(NotifierSubjects.recentIncidents)
  async recent(req: RecentIncidentsRequest): Promise<{ items: PublicIncident[] }> {
    const rows = await this.incidents.recentOf(
      req.ownerId,
      req.monitorIds,
      new Date(req.since),
      req.limit,
    );
    return {
      items: rows.map((row) => ({
        id: row.id,
        monitorId: row.monitorId,
        kind: row.kind,
        state: row.state,
        startedAt: row.startedAt.toISOString(),
        resolvedAt: row.resolvedAt?.toISOString() ?? null,
      })),
    };
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
