import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { TeamEntity } from '../teams/team.entity';

/**
 * A status page of a team: its slug (unique across the platform, since it names the public URL),
 * the monitors it shows in order, and whether anyone may open it. It goes with its team.
 */
@Entity({ tableName: 'status_pages' })
@Index({ name: 'status_pages_owner_index', properties: ['ownerId', 'createdAt'] })
@Unique({ name: 'status_pages_slug_unique', properties: ['slug'] })
export class StatusPageEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne({
    entity: () => TeamEntity,
    deleteRule: 'cascade',
    fieldName: 'owner_id',
    mapToPk: true,
  })
  ownerId!: string;

  @Property({ type: 'string', length: 64 })
  slug!: string;

  @Property({ type: 'string', length: 100 })
  title!: string;

  @Property({ type: 'string', length: 1000, nullable: true })
  description: string | null = null;

  @Property({ type: 'json' })
  monitorIds!: string[];

  @Property({ type: 'boolean' })
  public: boolean = false;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date = new Date();
}
