import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { MonitorSpec, MonitorSummary } from '@uptime/contracts';
import type { CursorPosition } from './page-cursor';
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

  /** Which of these method + URL targets the owner already monitors, as `METHOD url` keys. */
  async existingTargets(
    ownerId: string,
    targets: Pick<MonitorSpec, 'method' | 'url'>[],
  ): Promise<Set<string>> {
    const rows = await this.em.find(
      MonitorEntity,
      { ownerId, url: { $in: [...new Set(targets.map((t) => t.url))] } },
      { fields: ['method', 'url'] },
    );
    return new Set(rows.map((r) => `${r.method} ${r.url}`));
  }

  findUsingChannel(ownerId: string, channelId: string): Promise<MonitorEntity[]> {
    return this.em.find(MonitorEntity, { ownerId, channelIds: { $contains: [channelId] } });
  }

  /**
   * Oldest first, keyed by (createdAt, id) so concurrent inserts never shift a page. Every list
   * here returns up to `limit + 1` rows: the one past the page tells that more follow.
   */
  pageByOwner(ownerId: string, limit: number, after?: CursorPosition): Promise<MonitorEntity[]> {
    return this.em.find(
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
  }

  /**
   * The owner's monitors as summaries, in the order and pages of `pageByOwner`. Plain rows, not
   * entities: hydrating a thousand full monitors took most of a dashboard's 60 ms.
   */
  summariesByOwner(
    ownerId: string,
    limit: number,
    after?: CursorPosition,
  ): Promise<(MonitorSummary & { createdAt: Date })[]> {
    return this.em
      .createQueryBuilder(MonitorEntity)
      .select(['id', 'name', 'url', 'paused', 'createdAt'])
      .where({
        ownerId,
        ...(after
          ? {
              $or: [
                { createdAt: { $gt: new Date(after.t) } },
                { createdAt: new Date(after.t), id: { $gt: after.id } },
              ],
            }
          : {}),
      })
      .orderBy({ createdAt: 'asc', id: 'asc' })
      .limit(limit + 1)
      .execute<(MonitorSummary & { createdAt: Date })[]>('all');
  }

  /** Every monitor that should be checked, for services that rebuild their state at start. */
  pageActive(limit: number, after?: CursorPosition): Promise<MonitorEntity[]> {
    return this.em.find(
      MonitorEntity,
      { paused: false, ...(after ? { id: { $gt: after.id } } : {}) },
      { orderBy: { id: 'asc' }, limit: limit + 1 },
    );
  }
}
