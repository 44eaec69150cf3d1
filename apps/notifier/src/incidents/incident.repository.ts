import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { KeysetPosition } from '@uptime/contracts';
import { keysetAfter } from '@uptime/persistence';
import { IncidentEntity, type IncidentState } from './incident.entity';

/** Incidents, read by their owners newest first and kept by the recorder and the reminder clock. */
@Injectable()
export class IncidentRepository {
  constructor(private readonly em: EntityManager) {}

  findById(id: string): Promise<IncidentEntity | null> {
    return this.em.findOne(IncidentEntity, { id });
  }

  getById(id: string): Promise<IncidentEntity> {
    return this.em.findOneOrFail(IncidentEntity, { id });
  }

  /** Every open incident, by id and monitor only. */
  async listOpen(): Promise<{ id: string; monitorId: string }[]> {
    const rows = await this.em.find(
      IncidentEntity,
      { state: 'open' },
      { fields: ['id', 'monitorId'] },
    );
    return rows.map(({ id, monitorId }) => ({ id, monitorId }));
  }

  /**
   * Newest first, keyed by (startedAt, id); up to `limit + 1` rows, the one past the page
   * telling that more follow.
   */
  pageNewestFirst(
    filter: { ownerId: string; monitorId?: string; state?: IncidentState },
    limit: number,
    after?: KeysetPosition,
  ): Promise<IncidentEntity[]> {
    return this.em.find(
      IncidentEntity,
      {
        ownerId: filter.ownerId,
        ...(filter.monitorId ? { monitorId: filter.monitorId } : {}),
        ...(filter.state ? { state: filter.state } : {}),
        ...keysetAfter('startedAt', after, 'desc'),
      },
      { orderBy: { startedAt: 'desc', id: 'desc' }, limit: limit + 1 },
    );
  }

  add(incident: IncidentEntity): void {
    this.em.persist(incident);
  }
}
