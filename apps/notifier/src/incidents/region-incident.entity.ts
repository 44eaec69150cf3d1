import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import type { RegionIncident } from '@uptime/contracts';

/** What one decided multi-region slot saw of its regions: the region judgement's evidence. */
@Entity({ tableName: 'region_slot_observations' })
@Index({ name: 'region_slot_observations_scheduled_at_index', properties: ['scheduledAt'] })
export class RegionSlotObservationEntity {
  @PrimaryKey({ type: 'uuid' })
  monitorId!: string;

  @PrimaryKey({ type: 'datetime' })
  scheduledAt!: Date;

  @Property({ type: 'uuid' })
  ownerId!: string;

  /** Regions that answered (a `prober_error` is no answer). */
  @Property({ type: 'json' })
  answered!: string[];

  /** Of them, the failing ones. */
  @Property({ type: 'json' })
  failing!: string[];
}

export type RegionIncidentState = 'open' | 'resolved';

/** A region found failing on its own: its answers are not judged while this is open. */
@Entity({ tableName: 'region_incidents' })
@Index({
  name: 'region_incidents_open_region_unique',
  properties: ['region'],
  expression:
    'create unique index "region_incidents_open_region_unique" on "notifier"."region_incidents" ("region") where "state" = \'open\'',
})
export class RegionIncidentEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'string', length: 64 })
  region!: string;

  @Property({ type: 'string', length: 16 })
  state: RegionIncidentState = 'open';

  @Property({ type: 'datetime' })
  startedAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  resolvedAt: Date | null = null;

  /** The judgement that opened it: monitors answered in the region, and those failing alone. */
  @Property({ type: 'integer' })
  monitors!: number;

  @Property({ type: 'integer' })
  suspects!: number;
}

export function toRegionIncident(row: RegionIncidentEntity): RegionIncident {
  return {
    id: row.id,
    region: row.region,
    state: row.state,
    openedAt: row.startedAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    monitors: row.monitors,
    failingMonitors: row.suspects,
  };
}
