import { type StreamSizes, streamSizeEnv, streamSizesOf } from '@uptime/bus';
import {
  type Env,
  envFields,
  parseEnv,
  type ServiceConfig,
  serviceConfigOf,
  serviceEnvFields,
} from '@uptime/config';
import { resolve } from 'node:path';
import { z } from 'zod';

/** The metrics app's environment; also the source of the README's configuration table. */
export const MetricsEnvSchema = z.object({
  ...serviceEnvFields,
  CLICKHOUSE_URL: envFields.clickhouseUrl.optional(),
  DATA_DIR: envFields.dataDir,
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a database name')
    .default('uptime')
    .describe('ClickHouse database the check results go to'),
  CHECKS_RETENTION_DAYS: envFields
    .positiveInt(30, 3650)
    .describe(
      'raw checks are kept this long; rollups longer (1 year for 1-minute, 5 years for 1-hour)',
    ),
  METRICS_BATCH_SIZE: envFields
    .positiveInt(1000, 50_000)
    .describe('results inserted in one ClickHouse insert at most; a batch also flushes after 1 s'),
  ...streamSizeEnv,
});

/** A ClickHouse server, or the embedded engine (chDB) over a data directory of this process. */
export type ClickHouseTarget = { kind: 'server'; url: string } | { kind: 'embedded'; path: string };

export interface MetricsConfig extends ServiceConfig {
  clickhouse: ClickHouseTarget;
  database: string;
  /** Raw checks are kept this long; rollups longer (1 year for 1-minute, 5 years for 1-hour). */
  rawRetentionDays: number;
  /** Results inserted in one ClickHouse insert at most; a batch also flushes after 1 s. */
  batchSize: number;
  /** Each stream's size in MiB (`*_MAX_MB`); absent, every stream gets its default. */
  streamSizes?: StreamSizes;
}

export function loadMetricsConfig(env: Env): MetricsConfig {
  const e = parseEnv(MetricsEnvSchema, env);
  return {
    ...serviceConfigOf(e),
    clickhouse: e.CLICKHOUSE_URL
      ? { kind: 'server', url: e.CLICKHOUSE_URL }
      : { kind: 'embedded', path: resolve(e.DATA_DIR, 'clickhouse') },
    database: e.CLICKHOUSE_DATABASE,
    rawRetentionDays: e.CHECKS_RETENTION_DAYS,
    batchSize: e.METRICS_BATCH_SIZE,
    streamSizes: streamSizesOf(e),
  };
}

export const METRICS_CONFIG = Symbol('METRICS_CONFIG');
