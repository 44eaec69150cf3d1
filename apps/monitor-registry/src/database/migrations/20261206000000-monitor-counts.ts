import { Migration } from '@mikro-orm/migrations';

/**
 * Each team's number of monitors, kept by statement-level triggers on `monitors` (one upsert per
 * insert statement, however many rows), so the quota reads a row instead of counting. A monitor
 * never changes team, so updates need no trigger. Rows reaching 0 are removed: a team without
 * monitors has none, and deleted teams leave nothing behind.
 */
export class Migration20261206000000MonitorCounts extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "registry"."monitor_counts" ("owner_id" uuid not null, "owned" int not null, constraint "monitor_counts_pkey" primary key ("owner_id"))`,
    );
    this
      .addSql(`create function "registry"."monitor_counts_after_insert"() returns trigger language plpgsql as $$
begin
  insert into "registry"."monitor_counts" ("owner_id", "owned")
    select "owner_id", count(*) from inserted group by "owner_id"
    on conflict ("owner_id") do update set "owned" = "monitor_counts"."owned" + excluded."owned";
  return null;
end $$`);
    this
      .addSql(`create function "registry"."monitor_counts_after_delete"() returns trigger language plpgsql as $$
begin
  update "registry"."monitor_counts" c set "owned" = c."owned" - d.n
    from (select "owner_id", count(*) as n from deleted group by "owner_id") d
    where c."owner_id" = d."owner_id";
  delete from "registry"."monitor_counts" c
    where c."owned" <= 0 and c."owner_id" in (select "owner_id" from deleted);
  return null;
end $$`);
    this.addSql(
      `create trigger "monitors_count_insert" after insert on "registry"."monitors" referencing new table as inserted for each statement execute function "registry"."monitor_counts_after_insert"()`,
    );
    this.addSql(
      `create trigger "monitors_count_delete" after delete on "registry"."monitors" referencing old table as deleted for each statement execute function "registry"."monitor_counts_after_delete"()`,
    );
    // Under a lock that keeps writers out while the counts are taken.
    this.addSql(`lock table "registry"."monitors" in share row exclusive mode`);
    this.addSql(
      `insert into "registry"."monitor_counts" ("owner_id", "owned") select "owner_id", count(*) from "registry"."monitors" group by "owner_id"`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "monitors_count_insert" on "registry"."monitors"`);
    this.addSql(`drop trigger if exists "monitors_count_delete" on "registry"."monitors"`);
    this.addSql(`drop function if exists "registry"."monitor_counts_after_insert"()`);
    this.addSql(`drop function if exists "registry"."monitor_counts_after_delete"()`);
    this.addSql(`drop table if exists "registry"."monitor_counts"`);
  }
}
