import { EntityManager } from '@mikro-orm/postgresql';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContractPipe, requestCursor } from '@uptime/bus';
import {
  type Incident,
  keysetCursorAfter,
  type ListIncidentsRequest,
  ListIncidentsRequestSchema,
  NotifierSubjects,
  type Page,
} from '@uptime/contracts';
import { keysetAfter } from '@uptime/persistence';
import { IncidentEntity } from './incident.entity';

/** Incidents over NATS request/reply, newest first, always scoped to their owner. */
@Controller()
export class IncidentsHandler {
  constructor(private readonly em: EntityManager) {}

  @MessagePattern(NotifierSubjects.listIncidents)
  async list(
    @Payload(new ContractPipe(ListIncidentsRequestSchema)) req: ListIncidentsRequest,
  ): Promise<Page<Incident>> {
    // An empty cursor has always meant the first page here.
    const after = requestCursor(req.cursor || undefined);
    const rows = await this.em.fork().find(
      IncidentEntity,
      {
        ownerId: req.ownerId,
        ...(req.monitorId ? { monitorId: req.monitorId } : {}),
        ...(req.state ? { state: req.state } : {}),
        ...keysetAfter('startedAt', after, 'desc'),
      },
      { orderBy: { startedAt: 'desc', id: 'desc' }, limit: req.limit + 1 },
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
    cause: row.cause,
    timeline: row.timeline,
  };
}
