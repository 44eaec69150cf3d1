import { Migration } from '@mikro-orm/migrations';

/** A monitor's optional key, unique among its owner's monitors (monitors as code). */
export class Migration20261201210000MonitorKey extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "registry"."monitors" add column "key" varchar(100) null`);
    this.addSql(
      `create unique index "monitors_owner_key_unique" on "registry"."monitors" ("owner_id", "key") where "key" is not null`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "registry"."monitors_owner_key_unique"`);
    this.addSql(`alter table "registry"."monitors" drop column if exists "key"`);
  }
}
