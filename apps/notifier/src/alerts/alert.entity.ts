import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import type { Alert } from '@uptime/contracts';
import type { AlertMessage } from '../channels/alert-message';

export type AlertKind = Alert['kind'];
export type AlertStatus = Alert['status'];

/**
 * One notification to one channel. Written in the transaction that decides it (an outbox), then
 * delivered with retries; `dedupKey` makes deciding the same notification twice a no-op.
 */
@Entity({ tableName: 'alerts' })
@Index({ name: 'alerts_owner_created_index', properties: ['ownerId', 'createdAt'] })
@Index({ name: 'alerts_due_index', properties: ['status', 'nextAttemptAt'] })
export class AlertEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'uuid', nullable: true })
  incidentId: string | null = null;

  @Property({ type: 'uuid', nullable: true, index: 'alerts_monitor_index' })
  monitorId: string | null = null;

  @Property({ type: 'uuid', index: 'alerts_channel_index' })
  channelId!: string;

  @Property({ type: 'string', length: 16 })
  kind!: AlertKind;

  @Property({ type: 'string', length: 16 })
  status: AlertStatus = 'pending';

  @Property({ type: 'integer' })
  attempts: number = 0;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  /** Every attempt, in order, with its error: the delivery log. */
  @Property({ type: 'json' })
  attemptLog: { at: string; ok: boolean; error: string | null }[] = [];

  @Property({ type: 'datetime', nullable: true })
  nextAttemptAt: Date | null = null;

  @Property({ type: 'string', length: 200 })
  @Unique({ name: 'alerts_dedup_key_unique' })
  dedupKey!: string;

  /** What to render, frozen when the alert was decided. */
  @Property({ type: 'json' })
  message!: AlertMessage;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  sentAt: Date | null = null;
}
