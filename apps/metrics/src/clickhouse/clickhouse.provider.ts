import { type ClickHouseClient, createClient } from '@clickhouse/client';
import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createChdbConnection } from 'chdb/connection';
import type { ClickHouseTarget } from '../config';

export const CLICKHOUSE = Symbol('CLICKHOUSE');

/**
 * The same `@clickhouse/client` API over either a server or embedded chDB, so the metrics
 * code never knows which it talks to.
 */
export function connectClickHouse(target: ClickHouseTarget): ClickHouseClient {
  if (target.kind === 'server') {
    return createClient({ url: target.url, clickhouse_settings: { async_insert: 0 } });
  }
  // chdb types its connection against @clickhouse/client-common, which tsconfig.base.json maps to
  // the copy @clickhouse/client bundles, so the two name the same types.
  return createClient({ connection: createChdbConnection({ path: target.path }) });
}

@Injectable()
class ClickHouseCloser implements OnApplicationShutdown {
  constructor(@Inject(CLICKHOUSE) private readonly client: ClickHouseClient) {}

  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}

/** One ClickHouse client for the app, closed at shutdown. */
@Global()
@Module({})
export class ClickHouseModule {
  static forRoot(target: ClickHouseTarget): DynamicModule {
    return {
      module: ClickHouseModule,
      providers: [
        { provide: CLICKHOUSE, useFactory: () => connectClickHouse(target) },
        ClickHouseCloser,
      ],
      exports: [CLICKHOUSE],
    };
  }
}
