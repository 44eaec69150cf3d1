import { type StreamSizes, streamSizeEnv, streamSizesOf } from '@uptime/bus';
import {
  documented,
  type Env,
  envFields,
  parseEnv,
  type ServiceConfig,
  serviceConfigOf,
  serviceEnvFields,
} from '@uptime/config';
import { hostname } from 'node:os';
import { z } from 'zod';

/** The scheduler's environment; also the source of the README's configuration table. */
export const SchedulerEnvSchema = z.object({
  ...serviceEnvFields,
  REGIONS: envFields.regions,
  SCHEDULER_LEASE_SECONDS: envFields
    .positiveInt(6, 60)
    .describe(
      'a leader that stops renewing loses the lease after this long; the standby then takes over',
    ),
  SCHEDULER_ID: documented(z.string().min(1).max(128).optional(), {
    description: 'names this scheduler in the leader lease',
    default: 'host name, process id and a random suffix',
  }),
  ...streamSizeEnv,
});

export interface SchedulerConfig extends ServiceConfig {
  /** Regions a monitor runs from when it names none. */
  defaultRegions: string[];
  /** A leader that stops renewing loses the lease after this long; the standby then takes over. */
  leaseSeconds: number;
  instanceId: string;
  /** Each stream's size in MiB (`*_MAX_MB`); absent, every stream gets its default. */
  streamSizes?: StreamSizes;
}

export function loadSchedulerConfig(env: Env): SchedulerConfig {
  const e = parseEnv(SchedulerEnvSchema, env);
  return {
    ...serviceConfigOf(e),
    defaultRegions: e.REGIONS,
    leaseSeconds: e.SCHEDULER_LEASE_SECONDS,
    instanceId:
      e.SCHEDULER_ID ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    streamSizes: streamSizesOf(e),
  };
}

export const SCHEDULER_CONFIG = Symbol('SCHEDULER_CONFIG');
