import { Migrator } from '@mikro-orm/migrations';
import { type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { NOTIFIER_ENTITIES } from './entities';
import { NOTIFIER_MIGRATIONS } from './migrations';

/** The notifier's own schema: it shares a server with the registry, never a table. */
export const NOTIFIER_SCHEMA = 'notifier';

export function notifierOrmOptions(databaseUrl: string): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    schema: NOTIFIER_SCHEMA,
    entities: NOTIFIER_ENTITIES,
    extensions: [Migrator],
    discovery: { requireEntitiesArray: true },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    pool: { min: 0, max: 10 },
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList: NOTIFIER_MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  };
}
