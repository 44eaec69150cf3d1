import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import type { Incident } from '@uptime/contracts';
import type { CheckSummary } from './alert-state';

export type IncidentState = Incident['state'];

/** One transition of an incident, in order: opened, reminded, resolved… */
export interface TimelineEntry {
  at: string;
  event: Incident['timeline'][number]['event'];
  checkId: string | null;
  message: string;
}

@Entity({ tableName: 'incidents' })
@Index({ name: 'incidents_monitor_started_index', properties: ['monitorId', 'startedAt'] })
@Index({ name: 'incidents_owner_state_index', properties: ['ownerId', 'state', 'startedAt'] })
export class IncidentEntity {
  /** The id of the check that opened it: a redelivered result can never open a second incident. */
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid' })
  monitorId!: string;

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'string', length: 16 })
  state: IncidentState = 'open';

  /** `down`, `degraded` when only slowness opened it, or `certificate` when one nears expiry. */
  @Property({ type: 'string', length: 16 })
  kind!: Incident['kind'];

  @Property({ type: 'datetime' })
  startedAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  resolvedAt: Date | null = null;

  /** The first failing result. */
  @Property({ type: 'json' })
  cause!: CheckSummary;

  @Property({ type: 'json' })
  timeline: TimelineEntry[] = [];

  @Property({ type: 'datetime', nullable: true })
  lastNotifiedAt: Date | null = null;
}
