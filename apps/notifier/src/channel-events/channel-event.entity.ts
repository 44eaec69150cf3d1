import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import type { ChannelDeletedEvent } from '@uptime/contracts';

/**
 * The notifier's outbox of channel facts: written in the transaction that changes the channel,
 * then relayed to CHANNEL_EVENTS. A crash or a NATS outage between the two delays the fact; it
 * never loses it, so no monitor keeps pointing at a deleted channel.
 */
@Entity({ tableName: 'channel_event_outbox' })
@Index({
  name: 'channel_event_outbox_unpublished_index',
  properties: ['seq'],
  expression:
    'create index "channel_event_outbox_unpublished_index" on "notifier"."channel_event_outbox" ("seq") where "published_at" is null',
})
export class ChannelEventEntity {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  seq!: string;

  @Property({ type: 'uuid', unique: 'channel_event_outbox_event_id_unique' })
  eventId!: string;

  @Property({ type: 'uuid' })
  channelId!: string;

  @Property({ type: 'json' })
  payload!: ChannelDeletedEvent;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  publishedAt: Date | null = null;
}
