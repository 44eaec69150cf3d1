import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import type { MaintenanceChangedEvent } from '@uptime/contracts';

/**
 * The maintenance outbox: a window's new state (or its deletion) is written in the transaction
 * that changes it, then relayed to MAINTENANCE_EVENTS (`MaintenanceEventRelay`).
 */
@Entity({ tableName: 'maintenance_event_outbox' })
@Index({
  name: 'maintenance_event_outbox_unpublished_index',
  properties: ['seq'],
  expression:
    'create index "maintenance_event_outbox_unpublished_index" on "registry"."maintenance_event_outbox" ("seq") where "published_at" is null',
})
export class MaintenanceEventEntity {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  seq!: string;

  @Property({ type: 'uuid', unique: 'maintenance_event_outbox_event_id_unique' })
  eventId!: string;

  @Property({ type: 'uuid' })
  windowId!: string;

  @Property({ type: 'json' })
  payload!: MaintenanceChangedEvent;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  publishedAt: Date | null = null;
}
