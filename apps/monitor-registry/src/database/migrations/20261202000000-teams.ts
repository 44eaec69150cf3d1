import { Migration } from '@mikro-orm/migrations';

/**
 * Teams and members. Every account gets its personal team with the account's own id, so the
 * monitors it owned are owned by that team without a row rewritten (and the notifier's channels,
 * keyed the same way, move with them).
 */
export class Migration20261202000000Teams extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "registry"."teams" ("id" uuid not null, "name" varchar(100) not null, "personal" boolean not null default false, "created_at" timestamptz not null, constraint "teams_pkey" primary key ("id"))`,
    );
    this.addSql(
      `create table "registry"."team_members" ("team_id" uuid not null, "user_id" uuid not null, "role" varchar(16) not null, "joined_at" timestamptz not null, constraint "team_members_pkey" primary key ("team_id", "user_id"))`,
    );
    this.addSql(`create index "team_members_user_index" on "registry"."team_members" ("user_id")`);
    this.addSql(
      `alter table "registry"."team_members" add constraint "team_members_team_id_foreign" foreign key ("team_id") references "registry"."teams" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "registry"."team_members" add constraint "team_members_user_id_foreign" foreign key ("user_id") references "registry"."users" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `insert into "registry"."teams" ("id", "name", "personal", "created_at") select "id", left("email", 100), true, "created_at" from "registry"."users"`,
    );
    this.addSql(
      `insert into "registry"."team_members" ("team_id", "user_id", "role", "joined_at") select "id", "id", 'owner', "created_at" from "registry"."users"`,
    );
    this.addSql(`alter table "registry"."monitors" drop constraint "monitors_owner_id_foreign"`);
    this.addSql(
      `alter table "registry"."monitors" add constraint "monitors_owner_id_foreign" foreign key ("owner_id") references "registry"."teams" ("id") on update cascade on delete cascade`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "registry"."monitors" drop constraint "monitors_owner_id_foreign"`);
    this.addSql(
      `alter table "registry"."monitors" add constraint "monitors_owner_id_foreign" foreign key ("owner_id") references "registry"."users" ("id") on update cascade on delete cascade`,
    );
    this.addSql(`drop table if exists "registry"."team_members"`);
    this.addSql(`drop table if exists "registry"."teams"`);
  }
}
