import { type Env, envFields, parseEnv } from '@uptime/config';
import { resolve } from 'node:path';
import { z } from 'zod';

const MetricsEnvSchema = z.object({
  NATS_URL: envFields.natsUrl,
  PORT: envFields.port(3000),
  LOG_LEVEL: envFields.logLevel,
  CLICKHOUSE_URL: envFields.clickhouseUrl.optional(),
  DATA_DIR: envFields.dataDir,
});

/** A ClickHouse server, or the embedded engine (chDB) over a data directory of this process. */
export type ClickHouseTarget = { kind: 'server'; url: string } | { kind: 'embedded'; path: string };

export interface MetricsConfig {
  natsUrl: string;
  port: number;
  logLevel: z.output<typeof envFields.logLevel>;
  clickhouse: ClickHouseTarget;
}

export function loadMetricsConfig(env: Env): MetricsConfig {
  const e = parseEnv(MetricsEnvSchema, env);
  return {
    natsUrl: e.NATS_URL,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    clickhouse: e.CLICKHOUSE_URL
      ? { kind: 'server', url: e.CLICKHOUSE_URL }
      : { kind: 'embedded', path: resolve(e.DATA_DIR, 'clickhouse') },
  };
}
