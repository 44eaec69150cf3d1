import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { assertIdentifier } from './clickhouse-schema';

/** Every value reaches SQL as a query parameter, never as text. */
export type QueryParams = Record<string, unknown>;

/**
 * The ClickHouse database of the checks (see clickhouse-schema.ts), migrated before anything
 * reads or writes. Its name is the one thing of the SQL text that is not a constant, so only a
 * plain identifier is taken.
 */
export class ChecksDatabase {
  readonly name: string;

  constructor(
    readonly client: ClickHouseClient,
    name: string,
  ) {
    this.name = assertIdentifier(name);
  }

  /** A SELECT's rows as JSON objects. */
  async select<T>(query: string, params: QueryParams, settings?: ClickHouseSettings): Promise<T[]> {
    const result = await this.client.query({
      query,
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: settings,
    });
    return result.json<T>();
  }
}
