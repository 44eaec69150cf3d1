import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124120000Notifier } from './20261124120000-notifier';

/** Listed explicitly so the build needs no file-system discovery; append, never edit. */
export const NOTIFIER_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261124120000Notifier', class: Migration20261124120000Notifier },
];
