import { Migration } from '@mikro-orm/migrations';

/**
 * API keys of teams: only each key's SHA-256 is stored, with its first characters to show. Keys
 * go with their team; a deleted account leaves the keys it created to the team.
 */
export class Migration20261203000000ApiKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "registry"."api_keys" ("id" uuid not null, "team_id" uuid not null, "name" varchar(100) not null, "role" varchar(16) not null, "prefix" varchar(16) not null, "key_hash" varchar(64) not null, "created_by" uuid null, "created_at" timestamptz not null, "expires_at" timestamptz null, "last_used_at" timestamptz null, constraint "api_keys_pkey" primary key ("id"))`,
    );
    this.addSql(
      `alter table "registry"."api_keys" add constraint "api_keys_hash_unique" unique ("key_hash")`,
    );
    this.addSql(
      `create index "api_keys_team_index" on "registry"."api_keys" ("team_id", "created_at")`,
    );
    this.addSql(
      `alter table "registry"."api_keys" add constraint "api_keys_team_id_foreign" foreign key ("team_id") references "registry"."teams" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "registry"."api_keys" add constraint "api_keys_created_by_foreign" foreign key ("created_by") references "registry"."users" ("id") on update cascade on delete set null`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "registry"."api_keys"`);
  }
}
