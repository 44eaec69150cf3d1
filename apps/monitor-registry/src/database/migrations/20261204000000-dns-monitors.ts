import { Migration } from '@mikro-orm/migrations';

/** What a dns monitor asks for (record type, resolver, expected values); null for other types. */
export class Migration20261204000000DnsMonitors extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "registry"."monitors" add column "dns" jsonb null`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "registry"."monitors" drop column if exists "dns"`);
  }
}
