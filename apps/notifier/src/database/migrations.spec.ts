import { describeMigrations } from '../../../../test/support/migration-drift';
import { notifierOrmOptions } from './mikro-orm.config';

describeMigrations('notifier migrations', notifierOrmOptions);
