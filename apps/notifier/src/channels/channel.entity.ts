import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { ChannelConfig, ChannelType } from './channel-provider';

/** A place alerts go. `config` holds write-only secrets that the API never returns. */
@Entity({ tableName: 'channels' })
export class ChannelEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid', index: 'channels_owner_index' })
  ownerId!: string;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'string', length: 16 })
  type!: ChannelType;

  @Property({ type: 'json', hidden: true })
  config!: ChannelConfig;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date = new Date();
}
