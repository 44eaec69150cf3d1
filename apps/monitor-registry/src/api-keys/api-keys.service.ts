import { Inject, Injectable } from '@nestjs/common';
import { rpcProblem } from '@uptime/bus';
import {
  API_KEY_PREFIX,
  API_KEY_REFUSED,
  API_KEY_SHOWN_LENGTH,
  type ApiKey,
  type ApiKeyCreated,
  type ApiKeyCreateInput,
  type ApiKeyIdentity,
  apiKeyHash,
  Problems,
  roleAtLeast,
  type TeamRole,
} from '@uptime/contracts';
import { UnitOfWork } from '@uptime/persistence';
import { randomBytes } from 'node:crypto';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config';
import { ApiKeyNotices } from './api-key-notices';
import { toApiKey, toIdentity } from './api-key-mapper';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeyRepository } from './api-key.repository';

/** A new key: `upk_` and 32 random bytes (256 bits: guessing one is hopeless, so no lockout). */
export function mintApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * A team's API keys. Who may manage them is the gateway's access guard's decision; what holds
 * whoever asks is kept here: a key is never above its creator's role, a team holds at most
 * `MAX_API_KEYS_PER_TEAM` keys, and only the key's hash is ever stored.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    private readonly work: UnitOfWork,
    private readonly keys: ApiKeyRepository,
    private readonly notices: ApiKeyNotices,
  ) {}

  async create(
    teamId: string,
    actorRole: TeamRole,
    createdBy: string,
    body: ApiKeyCreateInput,
  ): Promise<ApiKeyCreated> {
    assertNotAbove(body.role, actorRole, 'create');
    const key = mintApiKey();
    const entity = Object.assign(new ApiKeyEntity(), {
      teamId,
      name: body.name,
      role: body.role,
      prefix: key.slice(0, API_KEY_SHOWN_LENGTH),
      keyHash: apiKeyHash(key),
      createdBy,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
    });
    await this.work.transaction(async () => {
      const count = await this.keys.countLocked(teamId);
      if (count >= this.config.maxApiKeysPerTeam) {
        throw rpcProblem(
          Problems.quotaExceeded(
            `The team holds ${count} API keys, the most allowed (MAX_API_KEYS_PER_TEAM); delete one first.`,
          ),
        );
      }
      await this.keys.insert(entity);
    });
    return { ...toApiKey(entity), key };
  }

  async list(teamId: string): Promise<{ items: ApiKey[] }> {
    return { items: (await this.keys.keysOf(teamId)).map(toApiKey) };
  }

  /** Deletes the key and has every gateway forget it before answering. */
  async delete(teamId: string, keyId: string, actorRole: TeamRole): Promise<void> {
    const key = await this.keys.findInTeam(teamId, keyId);
    if (!key) throw rpcProblem(Problems.notFound('The API key'));
    assertNotAbove(key.role, actorRole, 'delete');
    await this.keys.delete(keyId);
    await this.notices.revoked({ keyId, teamId });
  }

  /** Who the key is; unknown and expired answer alike, so an answer tells nothing more. */
  async verify(keyHash: string): Promise<ApiKeyIdentity> {
    const key = await this.keys.findByHash(keyHash);
    if (!key || isExpired(key)) throw rpcProblem(Problems.unauthorized(API_KEY_REFUSED));
    return toIdentity(key);
  }

  async used(keyId: string): Promise<void> {
    await this.keys.markUsed(keyId, new Date());
  }
}

function isExpired(key: ApiKeyEntity): boolean {
  return key.expiresAt !== null && key.expiresAt.getTime() <= Date.now();
}

/** A key above the acting member's role would hand them powers they do not have. */
function assertNotAbove(keyRole: TeamRole, actorRole: TeamRole, what: 'create' | 'delete'): void {
  if (roleAtLeast(actorRole, keyRole)) return;
  throw rpcProblem(
    Problems.forbidden(
      `Your role in this team is ${actorRole}; you cannot ${what} a key with the ${keyRole} role.`,
    ),
  );
}
