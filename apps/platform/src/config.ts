import { type Env, envFields, parseEnv } from '@uptime/config';
import { resolve } from 'node:path';
import { z } from 'zod';

export const APP_NAMES = [
  'monitor-registry',
  'scheduler',
  'prober',
  'metrics',
  'notifier',
  'gateway',
] as const;
export type AppName = (typeof APP_NAMES)[number];

const PlatformEnvSchema = z.object({
  NODE_ENV: envFields.nodeEnv,
  DATA_DIR: envFields.dataDir,
  NATS_URL: envFields.natsUrl,
  DATABASE_URL: envFields.databaseUrl.optional(),
  JWT_SECRET: envFields.secret.optional(),
  APPS: envFields
    .commaList(z.enum(APP_NAMES, { message: `each app must be one of ${APP_NAMES.join(', ')}` }))
    .optional(),
});

export interface PlatformConfig {
  production: boolean;
  dataDir: string;
  natsUrl: string;
  databaseUrl?: string;
  jwtSecret?: string;
  apps: AppName[];
}

export function loadPlatformConfig(env: Env): PlatformConfig {
  const e = parseEnv(PlatformEnvSchema, env);
  const production = e.NODE_ENV === 'production';
  if (production && !e.JWT_SECRET) {
    throw new Error(
      'JWT_SECRET is required when NODE_ENV=production (at least 32 characters, e.g. `openssl rand -hex 32`).',
    );
  }
  return {
    production,
    dataDir: resolve(e.DATA_DIR),
    natsUrl: e.NATS_URL,
    databaseUrl: e.DATABASE_URL,
    jwtSecret: e.JWT_SECRET,
    apps: e.APPS ?? [...APP_NAMES],
  };
}
