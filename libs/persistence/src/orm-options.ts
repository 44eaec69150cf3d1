import type { EntityClass, MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { Options } from '@mikro-orm/postgresql';
import { ValueFreePostgreSqlDriver } from './value-free-driver';

export interface SchemaOwner {
  /** The PostgreSQL schema the app owns; no other app reads it. */
  schema: string;
  entities: EntityClass<unknown>[];
  /** Listed explicitly so the build needs no file-system discovery; append, never edit. */
  migrations: MigrationObject[];
}

/** MikroORM options of an app that owns one PostgreSQL schema. */
export function schemaOwnerOptions(databaseUrl: string, owner: SchemaOwner): Options {
  return {
    // Its errors never carry the statement's values into a log.
    driver: ValueFreePostgreSqlDriver,
    debug: false,
    clientUrl: databaseUrl,
    schema: owner.schema,
    entities: owner.entities,
    extensions: [Migrator],
    discovery: { requireEntitiesArray: true },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    pool: { min: 0, max: 10 },
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList: owner.migrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  };
}
