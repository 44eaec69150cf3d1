import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** What owns monitors (and, in the notifier, channels): their `owner_id` is a team's id. */
@Entity({ tableName: 'teams' })
export class TeamEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 100 })
  name!: string;

  /**
   * The team made with an account, sharing the account's id: data owned by an account before
   * teams existed is owned by its personal team without being rewritten, in every service.
   */
  @Property({ type: 'boolean' })
  personal: boolean = false;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
