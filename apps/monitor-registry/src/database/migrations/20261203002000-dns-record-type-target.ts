import { Migration } from '@mikro-orm/migrations';

/**
 * A dns monitor's record type joins (owner, method, url) in what an owner monitors once, so that
 * `dns://example.com` A and `dns://example.com` MX can both exist. Needs the `dns` column
 * (Migration20261204000000DnsMonitors), which the list runs before this one.
 */
export class Migration20261203002000DnsRecordTypeTarget extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "registry"."monitors" drop constraint if exists "monitors_owner_method_url_unique"`,
    );
    this.addSql(
      `create unique index "monitors_owner_target_unique" on "registry"."monitors" ("owner_id", "method", "url", (coalesce("dns"->>'recordType', '')))`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "registry"."monitors_owner_target_unique"`);
    this.addSql(
      `alter table "registry"."monitors" add constraint "monitors_owner_method_url_unique" unique ("owner_id", "method", "url")`,
    );
  }
}
