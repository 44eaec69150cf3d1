import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ApiKeyEntity } from './api-key.entity';

/** First key of the two-key advisory lock that serialises key creation in a team. */
const KEYS_LOCK_CLASS = 0x6b6579; // 'key'

/** API keys in PostgreSQL, found by team and id or by their SHA-256. */
@Injectable()
export class ApiKeyRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(key: ApiKeyEntity): Promise<void> {
    await this.em.persistAndFlush(key);
  }

  /** The team's keys, oldest first. */
  keysOf(teamId: string): Promise<ApiKeyEntity[]> {
    return this.em.find(ApiKeyEntity, { teamId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /**
   * How many keys the team holds, counted under the team's keys lock, held until the transaction
   * ends: two keys created at once cannot both take the last place under the quota.
   */
  async countLocked(teamId: string): Promise<number> {
    await this.em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [
      KEYS_LOCK_CLASS,
      teamId,
    ]);
    return this.em.count(ApiKeyEntity, { teamId });
  }

  findInTeam(teamId: string, keyId: string): Promise<ApiKeyEntity | null> {
    return this.em.findOne(ApiKeyEntity, { id: keyId, teamId });
  }

  findByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.em.findOne(ApiKeyEntity, { keyHash });
  }

  async delete(keyId: string): Promise<void> {
    await this.em.nativeDelete(ApiKeyEntity, { id: keyId });
  }

  /** Sets the last use, never back in time (replicas' reports may arrive out of order). */
  async markUsed(keyId: string, at: Date): Promise<void> {
    await this.em.nativeUpdate(
      ApiKeyEntity,
      { id: keyId, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: at } }] },
      { lastUsedAt: at },
    );
  }
}
