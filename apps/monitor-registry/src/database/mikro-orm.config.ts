import type { Options } from '@mikro-orm/postgresql';
import { schemaOwnerOptions } from '@uptime/persistence';
import { REGISTRY_ENTITIES } from './entities';
import { REGISTRY_MIGRATIONS } from './migrations';

/** The registry's tables live in their own schema; no other service reads them. */
export const REGISTRY_SCHEMA = 'registry';

export function registryOrmOptions(databaseUrl: string): Options {
  return schemaOwnerOptions(databaseUrl, {
    schema: REGISTRY_SCHEMA,
    entities: REGISTRY_ENTITIES,
    migrations: REGISTRY_MIGRATIONS,
  });
}
