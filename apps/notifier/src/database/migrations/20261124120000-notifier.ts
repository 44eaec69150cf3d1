import { Migration } from '@mikro-orm/migrations';

/** Channels, the monitor projection with its alert state, incidents and alerts (the delivery log). */
export class Migration20261124120000Notifier extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "notifier"`);
    this.addSql(
      `create table "notifier"."alerts" ("id" uuid not null, "owner_id" uuid not null, "incident_id" uuid null, "monitor_id" uuid null, "channel_id" uuid not null, "kind" varchar(16) not null, "status" varchar(16) not null default 'pending', "attempts" int not null default 0, "last_error" text null, "attempt_log" jsonb not null, "next_attempt_at" timestamptz null, "dedup_key" varchar(200) not null, "message" jsonb not null, "created_at" timestamptz not null, "sent_at" timestamptz null, constraint "alerts_pkey" primary key ("id"))`,
    );
    this.addSql(`create index "alerts_channel_index" on "notifier"."alerts" ("channel_id")`);
    this.addSql(
      `alter table "notifier"."alerts" add constraint "alerts_dedup_key_unique" unique ("dedup_key")`,
    );
    this.addSql(
      `create index "alerts_due_index" on "notifier"."alerts" ("status", "next_attempt_at")`,
    );
    this.addSql(
      `create index "alerts_owner_created_index" on "notifier"."alerts" ("owner_id", "created_at")`,
    );
    this.addSql(
      `create table "notifier"."channels" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(200) not null, "type" varchar(16) not null, "config" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "channels_pkey" primary key ("id"))`,
    );
    this.addSql(`create index "channels_owner_index" on "notifier"."channels" ("owner_id")`);
    this.addSql(
      `create table "notifier"."incidents" ("id" uuid not null, "monitor_id" uuid not null, "owner_id" uuid not null, "state" varchar(16) not null default 'open', "kind" varchar(16) not null, "started_at" timestamptz not null, "resolved_at" timestamptz null, "cause" jsonb not null, "timeline" jsonb not null, "last_notified_at" timestamptz null, constraint "incidents_pkey" primary key ("id"))`,
    );
    this.addSql(
      `create index "incidents_owner_state_index" on "notifier"."incidents" ("owner_id", "state", "started_at")`,
    );
    this.addSql(
      `create index "incidents_monitor_started_index" on "notifier"."incidents" ("monitor_id", "started_at")`,
    );
    this.addSql(
      `create table "notifier"."monitor_alert_states" ("monitor_id" uuid not null, "owner_id" uuid not null, "name" varchar(200) not null, "url" varchar(2048) not null, "policy" jsonb not null, "channel_ids" jsonb not null, "paused" boolean not null default false, "version" int not null, "state" jsonb not null, "updated_at" timestamptz not null, constraint "monitor_alert_states_pkey" primary key ("monitor_id"))`,
    );
    this.addSql(
      `create index "monitor_alert_states_owner_index" on "notifier"."monitor_alert_states" ("owner_id")`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop schema if exists "notifier" cascade`);
  }
}
