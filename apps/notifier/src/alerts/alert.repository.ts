import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { KeysetPosition } from '@uptime/contracts';
import { keysetAfter } from '@uptime/persistence';
import { AlertEntity } from './alert.entity';

/** Which of an owner's alerts: those of a monitor, of a channel, or of both. */
export interface AlertScope {
  ownerId: string;
  monitorId?: string;
  channelId?: string;
}

/** The delivery log, and the queue the deliverer works through. */
@Injectable()
export class AlertRepository {
  constructor(private readonly em: EntityManager) {}

  getById(id: string): Promise<AlertEntity> {
    return this.em.findOneOrFail(AlertEntity, { id });
  }

  async hasDedupKey(dedupKey: string): Promise<boolean> {
    return (await this.em.findOne(AlertEntity, { dedupKey })) !== null;
  }

  async hasAny(scope: AlertScope): Promise<boolean> {
    return (await this.em.findOne(AlertEntity, where(scope), { fields: ['id'] })) !== null;
  }

  /**
   * Pending alerts whose next attempt is due, oldest due first, locked for this transaction;
   * rows another deliverer holds are skipped, not waited for.
   */
  lockDue(now: Date, limit: number): Promise<AlertEntity[]> {
    return this.em
      .createQueryBuilder(AlertEntity)
      .where({ status: 'pending', nextAttemptAt: { $lte: now } })
      .orderBy({ nextAttemptAt: 'asc' })
      .limit(limit)
      .setLockMode(LockMode.PESSIMISTIC_PARTIAL_WRITE)
      .getResultList();
  }

  /**
   * Newest first, keyed by (createdAt, id), created in [from, to) when given; up to `limit + 1`
   * rows, the one past the page telling that more follow.
   */
  pageNewestFirst(
    scope: AlertScope & { from?: Date; to?: Date },
    limit: number,
    after?: KeysetPosition,
  ): Promise<AlertEntity[]> {
    const createdAt = {
      ...(scope.from ? { $gte: scope.from } : {}),
      ...(scope.to ? { $lt: scope.to } : {}),
    };
    return this.em.find(
      AlertEntity,
      {
        ...where(scope),
        ...(Object.keys(createdAt).length ? { createdAt } : {}),
        ...keysetAfter('createdAt', after, 'desc'),
      },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: limit + 1 },
    );
  }

  /** How many of the owner's alerts went: 0 or 1. */
  deleteOwned(ownerId: string, id: string): Promise<number> {
    return this.em.nativeDelete(AlertEntity, { ownerId, id });
  }

  /** Every alert in the scope; how many went. */
  deleteAll(scope: AlertScope): Promise<number> {
    return this.em.nativeDelete(AlertEntity, where(scope));
  }

  /** Stages a new alert, written when the transaction it was added in commits. */
  add(alert: AlertEntity): void {
    this.em.persist(alert);
  }

  /** Writes the changes made to an alert loaded outside a transaction (a delivery attempt). */
  async save(alert: AlertEntity): Promise<void> {
    this.em.persist(alert);
    await this.em.flush();
  }
}

function where({ ownerId, monitorId, channelId }: AlertScope) {
  return {
    ownerId,
    ...(monitorId ? { monitorId } : {}),
    ...(channelId ? { channelId } : {}),
  };
}
