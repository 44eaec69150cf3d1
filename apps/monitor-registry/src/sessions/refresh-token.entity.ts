import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { UserEntity } from '../users/user.entity';

/**
 * One issued refresh token. Only its SHA-256 is kept. Tokens issued by rotating one another
 * share a family, so a stolen token that is replayed revokes every token of its family.
 */
@Entity({ tableName: 'refresh_tokens' })
export class RefreshTokenEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne({
    entity: () => UserEntity,
    deleteRule: 'cascade',
    fieldName: 'user_id',
    mapToPk: true,
  })
  userId!: string;

  @Property({ type: 'uuid' })
  @Index({ name: 'refresh_tokens_family_index' })
  familyId!: string;

  @Property({ type: 'string', length: 64 })
  @Unique({ name: 'refresh_tokens_hash_unique' })
  tokenHash!: string;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  /** Set when the token was exchanged for its successor; a second use is a replay. */
  @Property({ type: 'datetime', nullable: true })
  rotatedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
