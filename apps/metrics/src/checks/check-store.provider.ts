import type { ClickHouseClient } from '@clickhouse/client';
import type { Provider } from '@nestjs/common';
import { CLICKHOUSE } from '../clickhouse/clickhouse.provider';
import { METRICS_CONFIG, type MetricsConfig } from '../config';
import { migrateClickHouse } from './clickhouse-schema';
import { CheckStore } from './check-store';

/** The store, over a schema migrated before anything reads or writes. */
export const checkStoreProvider: Provider = {
  provide: CheckStore,
  inject: [CLICKHOUSE, METRICS_CONFIG],
  useFactory: async (client: ClickHouseClient, config: MetricsConfig) => {
    await migrateClickHouse(client, {
      database: config.database,
      rawRetentionDays: config.rawRetentionDays,
    });
    return new CheckStore(client, config.database);
  },
};
