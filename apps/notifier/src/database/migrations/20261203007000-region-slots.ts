import { Migration } from '@mikro-orm/migrations';

/**
 * What the notifier needs to judge a monitor's results per slot across its regions: the regions
 * and timeout it is checked with (null until the monitor's next event or its next result, which
 * fetches it from the registry again), and the earliest deadline of its pending slots, which the
 * slot clock finds through a partial index.
 */
export class Migration20261203007000RegionSlots extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "notifier"."monitor_alert_states" add column "regions" jsonb null, add column "timeout_ms" int null, add column "slot_deadline_at" timestamptz null`,
    );
    this.addSql(
      `create index "monitor_alert_states_slot_deadline_index" on "notifier"."monitor_alert_states" ("slot_deadline_at") where "slot_deadline_at" is not null`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "notifier"."monitor_alert_states_slot_deadline_index"`);
    this.addSql(
      `alter table "notifier"."monitor_alert_states" drop column "regions", drop column "timeout_ms", drop column "slot_deadline_at"`,
    );
  }
}
