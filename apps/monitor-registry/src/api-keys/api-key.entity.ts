import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import type { TeamRole } from '@uptime/contracts';
import { randomUUID } from 'node:crypto';
import { TeamEntity } from '../teams/team.entity';
import { UserEntity } from '../users/user.entity';

/**
 * One API key of a team. Only its SHA-256 is kept (`keyHash`), and the first characters to tell
 * it apart (`prefix`). It goes with its team; it outlives its creator's account.
 */
@Entity({ tableName: 'api_keys' })
@Index({ name: 'api_keys_team_index', properties: ['teamId', 'createdAt'] })
export class ApiKeyEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne({
    entity: () => TeamEntity,
    deleteRule: 'cascade',
    fieldName: 'team_id',
    mapToPk: true,
  })
  teamId!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 16 })
  role!: TeamRole;

  @Property({ type: 'string', length: 16 })
  prefix!: string;

  @Property({ type: 'string', length: 64 })
  @Unique({ name: 'api_keys_hash_unique' })
  keyHash!: string;

  @ManyToOne({
    entity: () => UserEntity,
    deleteRule: 'set null',
    fieldName: 'created_by',
    mapToPk: true,
    nullable: true,
  })
  createdBy: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  lastUsedAt: Date | null = null;
}
