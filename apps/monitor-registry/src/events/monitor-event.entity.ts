import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import type { MonitorChangedEvent, MonitorEventKind } from '@uptime/contracts';

/**
 * The outbox: an event is written in the same transaction as the change it describes, then
 * relayed to JetStream. A crash between commit and publish delays the event; it never loses it.
 */
@Entity({ tableName: 'monitor_event_outbox' })
@Index({
  name: 'monitor_event_outbox_unpublished_index',
  properties: ['seq'],
  expression:
    'create index "monitor_event_outbox_unpublished_index" on "registry"."monitor_event_outbox" ("seq") where "published_at" is null',
})
export class MonitorEventEntity {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  seq!: string;

  @Property({ type: 'uuid', unique: 'monitor_event_outbox_event_id_unique' })
  eventId!: string;

  @Property({ type: 'uuid' })
  monitorId!: string;

  @Property({ type: 'string', length: 16 })
  kind!: MonitorEventKind;

  @Property({ type: 'json' })
  payload!: MonitorChangedEvent;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  publishedAt: Date | null = null;
}
