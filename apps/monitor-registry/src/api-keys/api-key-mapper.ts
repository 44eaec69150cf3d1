import type { ApiKey, ApiKeyIdentity } from '@uptime/contracts';
import type { ApiKeyEntity } from './api-key.entity';

export function toApiKey(key: ApiKeyEntity): ApiKey {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    createdBy: key.createdBy,
  };
}

export function toIdentity(key: ApiKeyEntity): ApiKeyIdentity {
  return {
    keyId: key.id,
    teamId: key.teamId,
    role: key.role,
    expiresAt: key.expiresAt?.toISOString() ?? null,
  };
}
