import { Migrator } from '@mikro-orm/migrations';
import { type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { REGISTRY_ENTITIES } from './entities';
import { REGISTRY_MIGRATIONS } from './migrations';

/** The registry's tables live in their own schema; no other service reads them. */
export const REGISTRY_SCHEMA = 'registry';

export function registryOrmOptions(databaseUrl: string): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    schema: REGISTRY_SCHEMA,
    entities: REGISTRY_ENTITIES,
    extensions: [Migrator],
    discovery: { requireEntitiesArray: true },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    pool: { min: 0, max: 10 },
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList: REGISTRY_MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  };
}
