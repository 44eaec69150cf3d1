import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
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

  /** Inserts the rows of monitors not stored yet; an existing row is left as it is. */
  async insertMissing(rows: MonitorAlertStateRow[]): Promise<void> {
    await this.em.upsertMany(MonitorAlertStateEntity, rows, {
      onConflictFields: ['monitorId'],
      onConflictAction: 'ignore',
    });
  }

  /** Deletes the row unless it already reflects a version at or past `version`. */
  async deleteBefore(monitorId: string, version: number): Promise<void> {
    await this.em.nativeDelete(MonitorAlertStateEntity, {
      monitorId,
      version: { $lt: version },
    });
  }
}
