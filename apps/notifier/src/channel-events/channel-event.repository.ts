import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ChannelEventEntity } from './channel-event.entity';

/** The channel-event outbox, written to here; `ChannelEventRelay` reads and relays it. */
@Injectable()
export class ChannelEventRepository {
  constructor(private readonly em: EntityManager) {}

  /** Adds "this channel was deleted" to the unit of work that deletes it. */
  recordDeleted(channel: { id: string; ownerId: string }): ChannelEventEntity {
    const event = new ChannelEventEntity();
    event.eventId = randomUUID();
    event.channelId = channel.id;
    event.occurredAt = new Date();
    event.payload = {
      eventId: event.eventId,
      kind: 'deleted',
      channelId: channel.id,
      ownerId: channel.ownerId,
      occurredAt: event.occurredAt.toISOString(),
    };
    this.em.persist(event);
    return event;
  }
}
