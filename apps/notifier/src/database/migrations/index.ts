import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124120000Notifier } from './20261124120000-notifier';
import { Migration20261201120000ChannelEventOutbox } from './20261201120000-channel-event-outbox';
import { Migration20261203007000RegionSlots } from './20261203007000-region-slots';
import { Migration20261203008000RegionIncidents } from './20261203008000-region-incidents';

/** Listed explicitly so the build needs no file-system discovery; append, never edit. */
export const NOTIFIER_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261124120000Notifier', class: Migration20261124120000Notifier },
  {
    name: 'Migration20261201120000ChannelEventOutbox',
    class: Migration20261201120000ChannelEventOutbox,
  },
  { name: 'Migration20261203007000RegionSlots', class: Migration20261203007000RegionSlots },
  {
    name: 'Migration20261203008000RegionIncidents',
    class: Migration20261203008000RegionIncidents,
  },
];
