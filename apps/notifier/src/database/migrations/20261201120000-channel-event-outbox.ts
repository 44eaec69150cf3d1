import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox of channel facts (a deleted channel), relayed to CHANNEL_EVENTS; and alerts by
 * monitor, which an alert filter reads and deletes by.
 */
export class Migration20261201120000ChannelEventOutbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "notifier"."channel_event_outbox" ("seq" bigserial primary key, "event_id" uuid not null, "channel_id" uuid not null, "payload" jsonb not null, "occurred_at" timestamptz not null, "published_at" timestamptz null)`,
    );
    this.addSql(
      `alter table "notifier"."channel_event_outbox" add constraint "channel_event_outbox_event_id_unique" unique ("event_id")`,
    );
    this.addSql(
      `create index "channel_event_outbox_unpublished_index" on "notifier"."channel_event_outbox" ("seq") where "published_at" is null`,
    );
    this.addSql(`create index "alerts_monitor_index" on "notifier"."alerts" ("monitor_id")`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "notifier"."alerts_monitor_index"`);
    this.addSql(`drop table if exists "notifier"."channel_event_outbox"`);
  }
}
