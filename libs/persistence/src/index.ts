export { SchemaMigrator } from './schema-migrator';
