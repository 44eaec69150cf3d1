export { type SchemaOwner, schemaOwnerOptions } from './orm-options';
export { SchemaMigrator } from './schema-migrator';
export { ValueFreePostgreSqlDriver, withoutValues } from './value-free-driver';
export {
  OutboxRelay,
  type OutboxDefinition,
  type OutboxHeader,
  type OutboxRow,
} from './outbox-relay';
export { insertMissingRows, insertRows } from './insert-rows';
export { keysetAfter } from './keyset-filter';
export { postgresReadiness } from './postgres-readiness';
export { duplicateKeyConstraint, isDuplicateKey, UnitOfWork } from './unit-of-work';
export { RequestContextInterceptor } from './request-context.interceptor';
