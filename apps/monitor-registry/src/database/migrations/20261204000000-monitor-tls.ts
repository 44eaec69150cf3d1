import { Migration } from '@mikro-orm/migrations';

/** A tls:// monitor's TLS options (`{ allowInvalidCertificate }`); null for every other monitor. */
export class Migration20261204000000MonitorTls extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "registry"."monitors" add column "tls" jsonb null`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "registry"."monitors" drop column if exists "tls"`);
  }
}
