import { Migration } from '@mikro-orm/migrations';

/** Invitations to teams: only each token's SHA-256 is kept; they go with their team. */
export class Migration20261203000000Invitations extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "registry"."invitations" ("id" uuid not null, "team_id" uuid not null, "email" varchar(254) not null, "role" varchar(16) not null, "token_hash" varchar(64) not null, "invited_by" uuid null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "accepted_at" timestamptz null, constraint "invitations_pkey" primary key ("id"))`,
    );
    this.addSql(
      `create index "invitations_team_email_index" on "registry"."invitations" ("team_id", "email")`,
    );
    this.addSql(
      `alter table "registry"."invitations" add constraint "invitations_token_hash_unique" unique ("token_hash")`,
    );
    this.addSql(
      `alter table "registry"."invitations" add constraint "invitations_team_id_foreign" foreign key ("team_id") references "registry"."teams" ("id") on update cascade on delete cascade`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "registry"."invitations"`);
  }
}
