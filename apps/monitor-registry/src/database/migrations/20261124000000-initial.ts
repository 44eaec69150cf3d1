import { Migration } from '@mikro-orm/migrations';

/** Users, refresh-token families, monitors and the monitor-event outbox. */
export class Migration20261124000000Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "registry"`);
    this.addSql(
      `create table "registry"."monitor_event_outbox" ("seq" bigserial primary key, "event_id" uuid not null, "monitor_id" uuid not null, "kind" varchar(16) not null, "payload" jsonb not null, "occurred_at" timestamptz not null, "published_at" timestamptz null)`,
    );
    this.addSql(
      `alter table "registry"."monitor_event_outbox" add constraint "monitor_event_outbox_event_id_unique" unique ("event_id")`,
    );
    this.addSql(
      `create index "monitor_event_outbox_unpublished_index" on "registry"."monitor_event_outbox" ("seq") where "published_at" is null`,
    );
    this.addSql(
      `create table "registry"."users" ("id" uuid not null, "email" varchar(254) not null, "password_hash" text not null, "created_at" timestamptz not null, constraint "users_pkey" primary key ("id"))`,
    );
    this.addSql(
      `alter table "registry"."users" add constraint "users_email_unique" unique ("email")`,
    );
    this.addSql(
      `create table "registry"."refresh_tokens" ("id" uuid not null, "user_id" uuid not null, "family_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "rotated_at" timestamptz null, "revoked_at" timestamptz null, "created_at" timestamptz not null, constraint "refresh_tokens_pkey" primary key ("id"))`,
    );
    this.addSql(
      `create index "refresh_tokens_family_index" on "registry"."refresh_tokens" ("family_id")`,
    );
    this.addSql(
      `alter table "registry"."refresh_tokens" add constraint "refresh_tokens_hash_unique" unique ("token_hash")`,
    );
    this.addSql(
      `create table "registry"."monitors" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(200) not null, "type" varchar(16) not null, "url" varchar(2048) not null, "method" varchar(8) not null, "headers" jsonb not null, "body" text null, "interval_seconds" int not null, "timeout_ms" int not null, "expected_status" jsonb not null, "follow_redirects" boolean not null, "max_latency_ms" int null, "keyword" jsonb null, "assertions" jsonb not null, "alert_policy" jsonb not null, "channel_ids" jsonb not null, "regions" jsonb not null, "paused" boolean not null, "status" varchar(16) not null default 'pending', "last_checked_at" timestamptz null, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "monitors_pkey" primary key ("id"))`,
    );
    this.addSql(`create index "monitors_paused_index" on "registry"."monitors" ("paused")`);
    this.addSql(
      `create index "monitors_owner_created_index" on "registry"."monitors" ("owner_id", "created_at", "id")`,
    );
    this.addSql(
      `alter table "registry"."monitors" add constraint "monitors_owner_method_url_unique" unique ("owner_id", "method", "url")`,
    );
    this.addSql(
      `alter table "registry"."refresh_tokens" add constraint "refresh_tokens_user_id_foreign" foreign key ("user_id") references "registry"."users" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "registry"."monitors" add constraint "monitors_owner_id_foreign" foreign key ("owner_id") references "registry"."users" ("id") on update cascade on delete cascade`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop schema if exists "registry" cascade`);
  }
}
