import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import type { AlertPolicy } from '@uptime/contracts';
import type { MonitorAlertState } from '../incidents/alert-state';

/**
 * The notifier's own projection of a monitor, fed by MONITOR_EVENTS (it never reads the
 * registry's tables), plus the alerting state the policy evaluates: one row per monitor, updated
 * in the same transaction as the incident and alerts a result causes.
 */
@Entity({ tableName: 'monitor_alert_states' })
@Index({
  name: 'monitor_alert_states_slot_deadline_index',
  properties: ['slotDeadlineAt'],
  expression:
    'create index "monitor_alert_states_slot_deadline_index" on "notifier"."monitor_alert_states" ("slot_deadline_at") where "slot_deadline_at" is not null',
})
export class MonitorAlertStateEntity {
  @PrimaryKey({ type: 'uuid' })
  monitorId!: string;

  @Property({ type: 'uuid', index: 'monitor_alert_states_owner_index' })
  ownerId!: string;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'string', length: 2048 })
  url!: string;

  @Property({ type: 'json' })
  policy!: AlertPolicy;

  @Property({ type: 'json' })
  channelIds!: string[];

  @Property({ type: 'boolean' })
  paused: boolean = false;

  /**
   * The regions the monitor names (empty: every region of the platform); null in rows projected
   * before regions were, which are fetched from the registry again on their next result.
   */
  @Property({ type: 'json', nullable: true })
  regions: string[] | null = null;

  @Property({ type: 'integer', nullable: true })
  timeoutMs: number | null = null;

  /** The earliest deadline of the state's pending slots; null when none waits. */
  @Property({ type: 'datetime', nullable: true })
  slotDeadlineAt: Date | null = null;

  /** The monitor's version this projection reflects; older events are ignored. */
  @Property({ type: 'integer' })
  version!: number;

  /** The window of recent results, the open incident and the applied check ids (jsonb). */
  @Property({ type: 'json' })
  state!: MonitorAlertState;

  @Property({ type: 'datetime' })
  updatedAt: Date = new Date();
}
