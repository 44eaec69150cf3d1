import { type ClickHouseClient, createClient } from '@clickhouse/client';
import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
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
  return createClient({ connection: embeddedConnection(target.path) });
}

/**
 * chDB is required here, never imported at the top: images that run against a ClickHouse
 * server leave the package (and its 500 MB engine) out, and a static import would stop them.
 */
function embeddedConnection(path: string) {
  // chdb types its connection against @clickhouse/client-common, which tsconfig.base.json maps to
  // the copy @clickhouse/client bundles, so the two name the same types.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const chdb = require('chdb/connection') as typeof import('chdb/connection');
  return chdb.createChdbConnection({ path });
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
