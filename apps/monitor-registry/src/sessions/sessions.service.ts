import { Inject, Injectable } from '@nestjs/common';
import { rpcProblem } from '@uptime/bus';
import { Problems, type SessionGrant } from '@uptime/contracts';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config';
import type { UserEntity } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';
import { toUser } from '../users/users.service';
import { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokenRepository } from './refresh-token.repository';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Issues, rotates and revokes refresh tokens; access tokens are the gateway's business. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly tokens: RefreshTokenRepository,
    private readonly users: UserRepository,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  /** A new family, for a fresh login. */
  start(user: UserEntity): Promise<SessionGrant> {
    return this.issue(user, randomUUID());
  }

  /**
   * Exchanges a refresh token for its successor. The exchange is a conditional update, so of two
   * concurrent uses of one token only one wins; any later use is a replay and revokes the family.
   */
  async rotate(token: string): Promise<SessionGrant> {
    const stored = await this.tokens.findByHash(hashToken(token));
    if (!stored) throw rpcProblem(Problems.unauthorized('The refresh token is not valid.'));
    if (stored.revokedAt)
      throw rpcProblem(Problems.unauthorized('The refresh token has been revoked.'));
    if (stored.expiresAt.getTime() <= Date.now()) {
      throw rpcProblem(Problems.unauthorized('The refresh token has expired.'));
    }
    if (!(await this.tokens.markRotated(stored.id))) {
      await this.tokens.revokeFamily(stored.familyId);
      throw rpcProblem(
        Problems.unauthorized(
          'The refresh token was already used; every session of its family has been revoked.',
        ),
      );
    }
    const user = await this.users.getById(stored.userId);
    return this.issue(user, stored.familyId);
  }

  /** Ends the session the token belongs to; an unknown token is already logged out. */
  async end(token: string): Promise<void> {
    const stored = await this.tokens.findByHash(hashToken(token));
    if (stored) await this.tokens.revokeFamily(stored.familyId);
  }

  private async issue(user: UserEntity, familyId: string): Promise<SessionGrant> {
    const token = randomBytes(32).toString('base64url');
    const entity = new RefreshTokenEntity();
    entity.userId = user.id;
    entity.familyId = familyId;
    entity.tokenHash = hashToken(token);
    entity.expiresAt = new Date(Date.now() + this.config.refreshTokenTtlDays * 86_400_000);
    await this.tokens.insert(entity);
    return {
      user: toUser(user),
      refreshToken: token,
      refreshExpiresAt: entity.expiresAt.toISOString(),
    };
  }
}
