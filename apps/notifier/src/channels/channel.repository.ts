import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ChannelEntity } from './channel.entity';

/** Channels, always looked up within their owner except where an alert is delivered. */
@Injectable()
export class ChannelRepository {
  constructor(private readonly em: EntityManager) {}

  countOwned(ownerId: string): Promise<number> {
    return this.em.count(ChannelEntity, { ownerId });
  }

  /** Oldest first, the order the API lists them in. */
  listOwned(ownerId: string): Promise<ChannelEntity[]> {
    return this.em.find(ChannelEntity, { ownerId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  findOwned(ownerId: string, id: string): Promise<ChannelEntity | null> {
    return this.em.findOne(ChannelEntity, { id, ownerId });
  }

  /** The owner's channel, locked until the transaction ends (so a deletion is done once). */
  lockOwned(ownerId: string, id: string): Promise<ChannelEntity | null> {
    return this.em.findOne(
      ChannelEntity,
      { id, ownerId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
  }

  /** The owner's channels among these ids; ids of others or of none are left out. */
  findOwnedAmong(ownerId: string, ids: readonly string[]): Promise<ChannelEntity[]> {
    return this.em.find(ChannelEntity, { id: { $in: [...ids] }, ownerId });
  }

  /** Which of these ids are the owner's channels, read without their configs. */
  async ownedIdsAmong(ownerId: string, ids: readonly string[]): Promise<string[]> {
    const rows = await this.em.find(
      ChannelEntity,
      { id: { $in: [...ids] }, ownerId },
      { fields: ['id'] },
    );
    return rows.map((c) => c.id);
  }

  async isOwned(ownerId: string, id: string): Promise<boolean> {
    return (await this.em.count(ChannelEntity, { id, ownerId })) > 0;
  }

  /** Any owner's channel: delivery follows an alert that already names its channel. */
  findById(id: string): Promise<ChannelEntity | null> {
    return this.em.findOne(ChannelEntity, { id });
  }

  /** Inserts a new channel or writes the changes of a loaded one, now. */
  async save(channel: ChannelEntity): Promise<void> {
    this.em.persist(channel);
    await this.em.flush();
  }

  /** Stages the deletion, done when the transaction it was staged in commits. */
  remove(channel: ChannelEntity): void {
    this.em.remove(channel);
  }
}
