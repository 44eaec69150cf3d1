import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * How many monitors each team owns, kept by triggers on `monitors` (migration
 * `MonitorCounts`), whatever path inserts or deletes them: the quota reads one row under its lock
 * instead of counting the team's monitors, which took 45–80 ms at 150,000 and was paid by every
 * bulk request while it held the team's lock. A team without monitors has no row.
 */
@Entity({ tableName: 'monitor_counts' })
export class MonitorCountEntity {
  @PrimaryKey({ type: 'uuid', fieldName: 'owner_id' })
  ownerId!: string;

  @Property({ type: 'integer' })
  owned!: number;
}
