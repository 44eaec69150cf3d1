import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { AlertPolicy } from '@uptime/contracts';
import type { MonitorAlertState } from '../incidents/alert-state';

/**
 * The notifier's own projection of a monitor, fed by MONITOR_EVENTS (it never reads the
 * registry's tables), plus the alerting state the policy evaluates: one row per monitor, updated
 * in the same transaction as the incident and alerts a result causes.
 */
@Entity({ tableName: 'monitor_alert_states' })
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

  /** The monitor's version this projection reflects; older events are ignored. */
  @Property({ type: 'integer' })
  version!: number;

  /** The window of recent results, the open incident and the applied check ids (jsonb). */
  @Property({ type: 'json' })
  state!: MonitorAlertState;

  @Property({ type: 'datetime' })
  updatedAt: Date = new Date();
}
