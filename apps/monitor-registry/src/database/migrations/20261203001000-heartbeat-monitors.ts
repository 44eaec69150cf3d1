import { Migration } from '@mikro-orm/migrations';

/** A heartbeat monitor's period and grace, and its ping token (unique); null for other types. */
export class Migration20261203001000HeartbeatMonitors extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "registry"."monitors" add column "heartbeat" jsonb null`);
    this.addSql(`alter table "registry"."monitors" add column "ping_token" varchar(64) null`);
    this.addSql(
      `alter table "registry"."monitors" add constraint "monitors_ping_token_unique" unique ("ping_token")`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "registry"."monitors" drop constraint if exists "monitors_ping_token_unique"`,
    );
    this.addSql(`alter table "registry"."monitors" drop column if exists "ping_token"`);
    this.addSql(`alter table "registry"."monitors" drop column if exists "heartbeat"`);
  }
}
