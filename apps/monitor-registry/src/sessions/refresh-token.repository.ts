import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { RefreshTokenEntity } from './refresh-token.entity';

/** Issued refresh tokens, found by their SHA-256 and revoked a family at a time. */
@Injectable()
export class RefreshTokenRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(token: RefreshTokenEntity): Promise<void> {
    await this.em.persistAndFlush(token);
  }

  findByHash(tokenHash: string): Promise<RefreshTokenEntity | null> {
    return this.em.findOne(RefreshTokenEntity, { tokenHash });
  }

  /**
   * Marks the token exchanged, in one conditional update: of concurrent uses of one token only
   * one finds it neither rotated nor revoked. True for that one.
   */
  async markRotated(id: string): Promise<boolean> {
    const updated = await this.em.nativeUpdate(
      RefreshTokenEntity,
      { id, rotatedAt: null, revokedAt: null },
      { rotatedAt: new Date() },
    );
    return updated === 1;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.em.nativeUpdate(
      RefreshTokenEntity,
      { familyId, revokedAt: null },
      { revokedAt: new Date() },
    );
  }
}
