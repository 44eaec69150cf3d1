import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { MonitorSpec, Page } from '@uptime/contracts';
import { type CursorPosition, encodeCursor } from './page-cursor';
import { MonitorEntity } from './monitor.entity';

/** Queries over monitors; the only place that knows how lists are keyed and ordered. */
@Injectable()
export class MonitorRepository {
  constructor(private readonly em: EntityManager) {}

  findOwned(ownerId: string, id: string): Promise<MonitorEntity | null> {
    return this.em.findOne(MonitorEntity, { id, ownerId });
  }

  findByTarget(
    ownerId: string,
    method: MonitorSpec['method'],
    url: string,
    exceptId?: string,
  ): Promise<MonitorEntity | null> {
    return this.em.findOne(MonitorEntity, {
      ownerId,
      method,
      url,
      ...(exceptId ? { id: { $ne: exceptId } } : {}),
    });
  }

  findUsingChannel(ownerId: string, channelId: string): Promise<MonitorEntity[]> {
    return this.em.find(MonitorEntity, { ownerId, channelIds: { $contains: [channelId] } });
  }

  /** Oldest first, keyed by (createdAt, id) so concurrent inserts never shift a page. */
  async pageByOwner(
    ownerId: string,
    limit: number,
    after?: CursorPosition,
  ): Promise<Page<MonitorEntity>> {
    const rows = await this.em.find(
      MonitorEntity,
      {
        ownerId,
        ...(after
          ? {
              $or: [
                { createdAt: { $gt: new Date(after.t) } },
                { createdAt: new Date(after.t), id: { $gt: after.id } },
              ],
            }
          : {}),
      },
      { orderBy: { createdAt: 'asc', id: 'asc' }, limit: limit + 1 },
    );
    return pageOf(rows, limit);
  }

  /** Every monitor that should be checked, for services that rebuild their state at start. */
  async pageActive(limit: number, after?: CursorPosition): Promise<Page<MonitorEntity>> {
    const rows = await this.em.find(
      MonitorEntity,
      { paused: false, ...(after ? { id: { $gt: after.id } } : {}) },
      { orderBy: { id: 'asc' }, limit: limit + 1 },
    );
    return pageOf(rows, limit);
  }
}

function pageOf(rows: MonitorEntity[], limit: number): Page<MonitorEntity> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor({ t: last.createdAt.toISOString(), id: last.id })
      : null;
  return { items, nextCursor };
}
