import { Migration } from '@mikro-orm/migrations';

/** Status pages of teams (they go with their team); slugs are unique across the platform. */
export class Migration20261205000000StatusPages extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "registry"."status_pages" ("id" uuid not null, "owner_id" uuid not null, "slug" varchar(64) not null, "title" varchar(100) not null, "description" varchar(1000) null, "monitor_ids" jsonb not null, "public" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "status_pages_pkey" primary key ("id"))`,
    );
    this.addSql(
      `create index "status_pages_owner_index" on "registry"."status_pages" ("owner_id", "created_at")`,
    );
    this.addSql(
      `alter table "registry"."status_pages" add constraint "status_pages_slug_unique" unique ("slug")`,
    );
    this.addSql(
      `alter table "registry"."status_pages" add constraint "status_pages_owner_id_foreign" foreign key ("owner_id") references "registry"."teams" ("id") on update cascade on delete cascade`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "registry"."status_pages"`);
  }
}
