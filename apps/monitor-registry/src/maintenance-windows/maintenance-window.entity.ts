import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { TeamEntity } from '../teams/team.entity';

/**
 * A maintenance window of a team: its first occurrence, an optional RRULE repeating it in its
 * time zone, and the team's monitors it silences. It goes with its team.
 */
@Entity({ tableName: 'maintenance_windows' })
@Index({ name: 'maintenance_windows_owner_index', properties: ['ownerId', 'createdAt'] })
export class MaintenanceWindowEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne({
    entity: () => TeamEntity,
    deleteRule: 'cascade',
    fieldName: 'owner_id',
    mapToPk: true,
  })
  ownerId!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'json' })
  monitorIds!: string[];

  @Property({ type: 'datetime' })
  startsAt!: Date;

  @Property({ type: 'datetime' })
  endsAt!: Date;

  @Property({ type: 'string', length: 500, nullable: true })
  recurrence: string | null = null;

  @Property({ type: 'string', length: 64 })
  timeZone!: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date = new Date();
}
