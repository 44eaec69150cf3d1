import { Migration } from '@mikro-orm/migrations';

/**
 * Region incidents: what each decided multi-region slot saw of its regions (pruned after a few
 * judgement windows), and the incidents opened when a region, not the targets, failed. At most
 * one incident per region is open (partial unique index), however many replicas judge at once.
 */
export class Migration20261203008000RegionIncidents extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "notifier"."region_slot_observations" ("monitor_id" uuid not null, "scheduled_at" timestamptz not null, "owner_id" uuid not null, "answered" jsonb not null, "failing" jsonb not null, constraint "region_slot_observations_pkey" primary key ("monitor_id", "scheduled_at"))`,
    );
    this.addSql(
      `create index "region_slot_observations_scheduled_at_index" on "notifier"."region_slot_observations" ("scheduled_at")`,
    );
    this.addSql(
      `create table "notifier"."region_incidents" ("id" uuid not null, "region" varchar(64) not null, "state" varchar(16) not null default 'open', "started_at" timestamptz not null, "resolved_at" timestamptz null, "monitors" int not null, "suspects" int not null, constraint "region_incidents_pkey" primary key ("id"))`,
    );
    this.addSql(
      `create unique index "region_incidents_open_region_unique" on "notifier"."region_incidents" ("region") where "state" = 'open'`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notifier"."region_incidents"`);
    this.addSql(`drop table if exists "notifier"."region_slot_observations"`);
  }
}
