import type { Options } from '@mikro-orm/postgresql';
import { schemaOwnerOptions } from '@uptime/persistence';
import { NOTIFIER_ENTITIES } from './entities';
import { NOTIFIER_MIGRATIONS } from './migrations';

/** The notifier's own schema: it shares a server with the registry, never a table. */
export const NOTIFIER_SCHEMA = 'notifier';

export function notifierOrmOptions(databaseUrl: string): Options {
  return schemaOwnerOptions(databaseUrl, {
    schema: NOTIFIER_SCHEMA,
    entities: NOTIFIER_ENTITIES,
    migrations: NOTIFIER_MIGRATIONS,
  });
}
