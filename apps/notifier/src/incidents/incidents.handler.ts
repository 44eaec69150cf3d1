import { EntityManager } from '@mikro-orm/postgresql';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContractPipe, rpcProblem } from '@uptime/bus';
import {
  type Incident,
  type ListIncidentsRequest,
  ListIncidentsRequestSchema,
  NotifierSubjects,
  type Page,
  Problems,
} from '@uptime/contracts';
import { IncidentEntity } from './incident.entity';

/** Incidents over NATS request/reply, newest first, always scoped to their owner. */
@Controller()
export class IncidentsHandler {
  constructor(private readonly em: EntityManager) {}

  @MessagePattern(NotifierSubjects.listIncidents)
  async list(
    @Payload(new ContractPipe(ListIncidentsRequestSchema)) req: ListIncidentsRequest,
  ): Promise<Page<Incident>> {
    const after = decodeCursor(req.cursor);
    const rows = await this.em.fork().find(
      IncidentEntity,
      {
        ownerId: req.ownerId,
        ...(req.monitorId ? { monitorId: req.monitorId } : {}),
        ...(req.state ? { state: req.state } : {}),
        ...(after
          ? {
              $or: [{ startedAt: { $lt: after.t } }, { startedAt: after.t, id: { $lt: after.id } }],
            }
          : {}),
      },
      { orderBy: { startedAt: 'desc', id: 'desc' }, limit: req.limit + 1 },
    );
    const items = rows.slice(0, req.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toIncident),
      nextCursor: rows.length > req.limit && last ? encodeCursor(last) : null,
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

function encodeCursor(row: IncidentEntity): string {
  return Buffer.from(JSON.stringify({ t: row.startedAt.toISOString(), id: row.id })).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string | undefined): { t: Date; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const { t, id } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      t: string;
      id: string;
    };
    const at = new Date(t);
    if (Number.isNaN(at.getTime()) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id))
      throw new Error('bad');
    return { t: at, id };
  } catch {
    throw rpcProblem(
      Problems.validation([{ field: 'cursor', message: 'is not a cursor this list returned' }]),
    );
  }
}
