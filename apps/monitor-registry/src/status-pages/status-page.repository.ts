import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { MonitorEntity } from '../monitors/monitor.entity';
import { StatusPageEntity } from './status-page.entity';

/** First key of the two-key advisory lock that serialises page creation in a team. */
const PAGES_LOCK_CLASS = 0x737470; // 'stp'

export class SlugTakenError extends Error {}

/** Status pages in PostgreSQL. */
@Injectable()
export class StatusPageRepository {
  constructor(private readonly em: EntityManager) {}

  /** Writes the page; a slug another page holds is a SlugTakenError. */
  async save(page: StatusPageEntity): Promise<void> {
    try {
      await this.em.persistAndFlush(page);
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw new SlugTakenError(page.slug);
      throw err;
    }
  }

  pagesOf(ownerId: string): Promise<StatusPageEntity[]> {
    return this.em.find(
      StatusPageEntity,
      { ownerId },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  findInTeam(ownerId: string, id: string): Promise<StatusPageEntity | null> {
    return this.em.findOne(StatusPageEntity, { id, ownerId });
  }

  findPublicBySlug(slug: string): Promise<StatusPageEntity | null> {
    return this.em.findOne(StatusPageEntity, { slug, public: true });
  }

  /** Whether a public page of the monitor's team shows it (jsonb containment, one query). */
  async isOnPublicPage(ownerId: string, monitorId: string): Promise<boolean> {
    const rows: unknown[] = await this.em.execute(
      `select 1 from "registry"."status_pages" where "owner_id" = ? and "public" and "monitor_ids" @> ?::jsonb limit 1`,
      [ownerId, JSON.stringify([monitorId])],
    );
    return rows.length > 0;
  }

  /** How many pages the team holds, under the team's pages lock held until the transaction ends. */
  async countLocked(ownerId: string): Promise<number> {
    await this.em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [
      PAGES_LOCK_CLASS,
      ownerId,
    ]);
    return this.em.count(StatusPageEntity, { ownerId });
  }

  async findMonitor(
    monitorId: string,
  ): Promise<{ id: string; name: string; ownerId: string } | null> {
    return this.em.findOne(MonitorEntity, { id: monitorId }, { fields: ['id', 'name', 'ownerId'] });
  }

  async delete(id: string): Promise<void> {
    await this.em.nativeDelete(StatusPageEntity, { id });
  }
}
