import {
  ConfigError,
  documented,
  type Env,
  envFields,
  type LogFormat,
  parseEnv,
} from '@uptime/config';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ProberEnvSchema } from '../../prober/src/config';

export const APP_NAMES = [
  'monitor-registry',
  'scheduler',
  'prober',
  'metrics',
  'notifier',
  'gateway',
] as const;
export type AppName = (typeof APP_NAMES)[number];

/** `npm start`'s environment; also the source of the README's configuration table. */
export const PlatformEnvSchema = z.object({
  NODE_ENV: envFields.nodeEnv,
  DATA_DIR: envFields.dataDir,
  NATS_URL: envFields.natsUrl,
  DATABASE_URL: envFields.databaseUrl.optional(),
  JWT_SECRET: envFields.secret.optional(),
  // One machine: only this machine reaches the API unless the operator says otherwise.
  HOST: envFields.host('127.0.0.1'),
  PROBE_ALLOW_PRIVATE: envFields.boolean(false),
  REGIONS: envFields.regionsWhenSet,
  PROBE_REGIONS: documented(envFields.regionsWhenSet, {
    description:
      'regions to run a prober for in this process, one prober (and durable consumer `probers-<region>`) each; each must be in `REGIONS`. `PROBE_REGIONS=eu,us npm start` demonstrates several regions on one machine',
    default: '`REGIONS`',
  }),
  PROBE_CANARY_URL: ProberEnvSchema.shape.PROBE_CANARY_URL,
  LOG_FORMAT: envFields.logFormat,
  OTEL_EXPORTER_OTLP_ENDPOINT: envFields.otlpEndpoint,
  APP_THREADS: documented(envFields.boolean(true), {
    description:
      'the registry, scheduler, probers and notifier each on a worker thread of its own, so the one process uses every core; `false` runs every app on one event loop (less memory, one core)',
    default: '`true`',
  }),
  APPS: documented(
    envFields
      .commaList(z.enum(APP_NAMES, { message: `each app must be one of ${APP_NAMES.join(', ')}` }))
      .optional(),
    { description: 'comma-separated apps to run in the one process', default: 'all six' },
  ),
});

export interface PlatformConfig {
  production: boolean;
  dataDir: string;
  natsUrl: string;
  databaseUrl?: string;
  jwtSecret?: string;
  /** Where the gateway listens. */
  host: string;
  /**
   * Whether probes and alert channels may reach private, loopback and link-local addresses:
   * the operator's PROBE_ALLOW_PRIVATE when set, otherwise only while the API is reachable
   * from this machine alone (HOST on loopback), where the user is the machine's operator.
   */
  probeAllowPrivate: boolean;
  apps: AppName[];
  /** The registry, scheduler, probers and notifier on worker threads of their own (APP_THREADS). */
  appThreads: boolean;
  /** Every region: the scheduler's and the gateway's `REGIONS`. */
  regions: string[];
  /** The regions this process runs a prober for, a subset of `regions`. */
  probeRegions: string[];
  /** What each prober checks to know its own network works; the gateway's health by default. */
  canaryUrl?: string;
  /** LOG_FORMAT, also for the platform's own lines before and between the apps'. */
  logFormat: LogFormat;
  /** Where the process's traces go (one `uptime-platform` service for every app in it). */
  otlpEndpoint?: string;
}

export function loadPlatformConfig(env: Env): PlatformConfig {
  const e = parseEnv(PlatformEnvSchema, env);
  const production = e.NODE_ENV === 'production';
  if (production && !e.JWT_SECRET) {
    throw new Error(
      'JWT_SECRET is required when NODE_ENV=production (at least 32 characters, e.g. `openssl rand -hex 32`).',
    );
  }
  const probeRegions = e.PROBE_REGIONS ?? e.REGIONS ?? ['local'];
  const regions = e.REGIONS ?? probeRegions;
  const strangers = probeRegions.filter((region) => !regions.includes(region));
  if (strangers.length > 0) {
    throw new ConfigError([
      `PROBE_REGIONS: ${strangers.join(', ')} must be in REGIONS (${regions.join(', ')})`,
    ]);
  }
  return {
    production,
    dataDir: resolve(e.DATA_DIR),
    natsUrl: e.NATS_URL,
    databaseUrl: e.DATABASE_URL,
    jwtSecret: e.JWT_SECRET,
    host: e.HOST,
    probeAllowPrivate: env.PROBE_ALLOW_PRIVATE ? e.PROBE_ALLOW_PRIVATE : isLoopback(e.HOST),
    apps: e.APPS ?? [...APP_NAMES],
    appThreads: e.APP_THREADS,
    regions,
    probeRegions,
    canaryUrl: e.PROBE_CANARY_URL,
    logFormat: e.LOG_FORMAT,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
  };
}

/** `localhost`, 127.0.0.0/8 or ::1: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}
