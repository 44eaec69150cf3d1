import { Migration } from '@mikro-orm/migrations';

/**
 * Maintenance windows of teams (they go with their team) and their outbox, relayed to the
 * MAINTENANCE_EVENTS stream.
 */
export class Migration20261203004000MaintenanceWindows extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "registry"."maintenance_windows" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(100) not null, "monitor_ids" jsonb not null, "starts_at" timestamptz not null, "ends_at" timestamptz not null, "recurrence" varchar(500) null, "time_zone" varchar(64) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "maintenance_windows_pkey" primary key ("id"))`,
    );
    this.addSql(
      `create index "maintenance_windows_owner_index" on "registry"."maintenance_windows" ("owner_id", "created_at")`,
    );
    this.addSql(
      `alter table "registry"."maintenance_windows" add constraint "maintenance_windows_owner_id_foreign" foreign key ("owner_id") references "registry"."teams" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `create table "registry"."maintenance_event_outbox" ("seq" bigserial primary key, "event_id" uuid not null, "window_id" uuid not null, "payload" jsonb not null, "occurred_at" timestamptz not null, "published_at" timestamptz null)`,
    );
    this.addSql(
      `alter table "registry"."maintenance_event_outbox" add constraint "maintenance_event_outbox_event_id_unique" unique ("event_id")`,
    );
    this.addSql(
      `create index "maintenance_event_outbox_unpublished_index" on "registry"."maintenance_event_outbox" ("seq") where "published_at" is null`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "registry"."maintenance_event_outbox"`);
    this.addSql(`drop table if exists "registry"."maintenance_windows"`);
  }
}
