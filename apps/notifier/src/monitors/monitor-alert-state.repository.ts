import { LockMode } from '@mikro-orm/core';
import { EntityManager, raw } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { insertMissingRows } from '@uptime/persistence';
import { MonitorAlertStateEntity } from './monitor-alert-state.entity';

/** A whole row of the projection, as written when a monitor is first seen. */
export type MonitorAlertStateRow = Pick<
  MonitorAlertStateEntity,
  | 'monitorId'
  | 'ownerId'
  | 'name'
  | 'url'
  | 'policy'
  | 'channelIds'
  | 'paused'
  | 'version'
  | 'state'
  | 'updatedAt'
  | 'regions'
  | 'timeoutMs'
  | 'slotDeadlineAt'
>;

/** What deciding on a monitor's results needs of its row, and the row's version (`xmin`). */
export type RevisedRow = Pick<
  MonitorAlertStateEntity,
  'monitorId' | 'state' | 'policy' | 'paused' | 'regions' | 'timeoutMs'
> & { revision: string };

/**
 * The monitor projection with its alert state. Rows are changed only under their lock, taken
 * with `refresh` so what a transaction decides on is the committed row, never a stale copy.
 */
@Injectable()
export class MonitorAlertStateRepository {
  constructor(private readonly em: EntityManager) {}

  async isOwned(ownerId: string, monitorId: string): Promise<boolean> {
    return (await this.em.count(MonitorAlertStateEntity, { monitorId, ownerId })) > 0;
  }

  lock(monitorId: string): Promise<MonitorAlertStateEntity | null> {
    return this.em.findOne(
      MonitorAlertStateEntity,
      { monitorId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
  }

  /** Locked in monitor id order, so two transactions never wait on each other in a cycle. */
  lockMany(monitorIds: string[]): Promise<MonitorAlertStateEntity[]> {
    return this.em.find(
      MonitorAlertStateEntity,
      { monitorId: { $in: monitorIds } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true, orderBy: { monitorId: 'asc' } },
    );
  }

  /**
   * Each stored monitor's row version (PostgreSQL's `xmin`, as text): it changes with every
   * write to the row, whoever makes it, so an equal one means the row is as it was seen. A plain
   * read: no lock, nothing written.
   */
  async revisionsOf(monitorIds: string[]): Promise<Map<string, string>> {
    if (monitorIds.length === 0) return new Map();
    const rows = await this.em
      .createQueryBuilder(MonitorAlertStateEntity, 's')
      .select(['s.monitor_id', raw('s.xmin::text as revision')])
      .where({ monitorId: { $in: monitorIds } })
      .execute<{ monitorId: string; revision: string }[]>('all');
    return new Map(rows.map((r) => [r.monitorId, r.revision]));
  }

  /**
   * Rows as they are now, each with its version from the same read: a plain read, no lock, so a
   * replica can tell whether a monitor's results would change anything without writing.
   */
  async withRevisions(monitorIds: string[]): Promise<RevisedRow[]> {
    if (monitorIds.length === 0) return [];
    return this.em
      .createQueryBuilder(MonitorAlertStateEntity, 's')
      .select([
        's.monitor_id',
        's.state',
        's.policy',
        's.paused',
        's.regions',
        's.timeout_ms',
        raw('s.xmin::text as revision'),
      ])
      .where({ monitorId: { $in: monitorIds } })
      .execute<RevisedRow[]>('all');
  }

  /** Writes what the caller's transaction changed, then reads the rows' versions as they now are. */
  async flushedRevisionsOf(monitorIds: string[]): Promise<Map<string, string>> {
    await this.em.flush();
    return this.revisionsOf(monitorIds);
  }

  /** The alert states of an owner's monitors, read only. */
  async statesOf(
    ownerId: string,
    monitorIds: string[],
  ): Promise<Pick<MonitorAlertStateEntity, 'monitorId' | 'state'>[]> {
    if (monitorIds.length === 0) return [];
    return this.em.find(
      MonitorAlertStateEntity,
      { ownerId, monitorId: { $in: monitorIds } },
      { fields: ['monitorId', 'state'] },
    );
  }

  /** Monitors with a pending slot whose deadline has passed, a page at a time. */
  async dueSlots(now: Date, limit: number): Promise<string[]> {
    const rows = await this.em.find(
      MonitorAlertStateEntity,
      { slotDeadlineAt: { $lte: now } },
      { fields: ['monitorId'], orderBy: { slotDeadlineAt: 'asc' }, limit },
    );
    return rows.map((r) => r.monitorId);
  }

  /**
   * Inserts the rows of monitors not stored yet, with one statement; an existing row is left as
   * it is. Returns the monitors it inserted (a bulk import: all of them, rows nobody need read).
   */
  insertMissing(rows: MonitorAlertStateRow[]): Promise<Set<string>> {
    return insertMissingRows(this.em, MonitorAlertStateEntity, rows, 'monitorId');
  }

  /** Deletes each monitor's row unless it already reflects a version at or past the one given. */
  async deleteManyBefore(
    deletions: readonly { monitorId: string; version: number }[],
  ): Promise<void> {
    if (deletions.length === 0) return;
    await this.em.nativeDelete(MonitorAlertStateEntity, {
      $or: deletions.map(({ monitorId, version }) => ({ monitorId, version: { $lt: version } })),
    });
  }
}
