import type { ClickHouseClient } from '@clickhouse/client';
import type { Provider } from '@nestjs/common';
import { CLICKHOUSE } from '../clickhouse/clickhouse.provider';
import { METRICS_CONFIG, type MetricsConfig } from '../config';
import { ChecksDatabase } from './checks-database';
import { migrateClickHouse } from './clickhouse-schema';

/** The checks database, its schema migrated before anything reads or writes. */
export const checksDatabaseProvider: Provider = {
  provide: ChecksDatabase,
  inject: [CLICKHOUSE, METRICS_CONFIG],
  useFactory: async (client: ClickHouseClient, config: MetricsConfig) => {
    await migrateClickHouse(client, {
      database: config.database,
      rawRetentionDays: config.rawRetentionDays,
    });
    return new ChecksDatabase(client, config.database);
  },
};
