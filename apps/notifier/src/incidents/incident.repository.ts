import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { IncidentSummary, KeysetPosition } from '@uptime/contracts';
import { keysetAfter } from '@uptime/persistence';
import { IncidentEntity, type IncidentState } from './incident.entity';

interface SummaryRow {
  incidents: number;
  downtime: number | null;
  mttr: number | null;
  longest: number | null;
}

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

  /**
   * `down` incidents of a monitor overlapping [from, to): how many, their downtime within the
   * range (an open one lasts until now), and the mean and longest time to recovery of those
   * resolved within it. One aggregate query on the (monitor_id, started_at) index.
   */
  async summary(
    filter: { ownerId: string; monitorId: string },
    from: Date,
    to: Date,
    now = new Date(),
  ): Promise<IncidentSummary> {
    const rows: SummaryRow[] = await this.em.execute(
      `select count(*)::int as incidents,
         coalesce(sum(extract(epoch from
           least(coalesce(resolved_at, ?::timestamptz), ?::timestamptz) - greatest(started_at, ?::timestamptz))), 0)::float8 as downtime,
         avg(extract(epoch from resolved_at - started_at))
           filter (where resolved_at is not null and resolved_at < ?::timestamptz)::float8 as mttr,
         max(extract(epoch from resolved_at - started_at))
           filter (where resolved_at is not null and resolved_at < ?::timestamptz)::float8 as longest
       from "notifier"."incidents"
       where monitor_id = ? and owner_id = ? and kind = 'down'
         and started_at < ?::timestamptz and coalesce(resolved_at, ?::timestamptz) > ?::timestamptz`,
      [now, to, from, to, to, filter.monitorId, filter.ownerId, to, now, from],
    );
    const row = rows[0];
    return {
      incidents: row?.incidents ?? 0,
      downtimeSeconds: Math.max(0, Math.round((row?.downtime ?? 0) * 1000) / 1000),
      mttrSeconds: row?.mttr == null ? null : Math.round(row.mttr * 1000) / 1000,
      longestSeconds: row?.longest == null ? null : Math.round(row.longest * 1000) / 1000,
    };
  }

  /**
   * The newest incidents of some monitors of an owner started since `since`, at most `limit`;
   * certificate incidents are not outages and are left out (public status pages).
   */
  recentOf(
    ownerId: string,
    monitorIds: readonly string[],
    since: Date,
    limit: number,
  ): Promise<IncidentEntity[]> {
    if (monitorIds.length === 0) return Promise.resolve([]);
    return this.em.find(
      IncidentEntity,
      {
        ownerId,
        monitorId: { $in: [...monitorIds] },
        kind: { $ne: 'certificate' },
        startedAt: { $gte: since },
      },
      { orderBy: { startedAt: 'desc', id: 'desc' }, limit },
    );
  }

  add(incident: IncidentEntity): void {
    this.em.persist(incident);
  }
}
