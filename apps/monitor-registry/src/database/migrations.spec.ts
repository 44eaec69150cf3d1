import { describeMigrations } from '../../../../test/support/migration-drift';
import { registryOrmOptions } from './mikro-orm.config';

describeMigrations('registry migrations', registryOrmOptions);
