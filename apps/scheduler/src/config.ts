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
import { SCHEDULER_ID_PATTERN, SchedulerPartitionBucket } from '@uptime/contracts';
import { hostname } from 'node:os';
import { z } from 'zod';

/** The scheduler's environment; also the source of the README's configuration table. */
export const SchedulerEnvSchema = z.object({
  ...serviceEnvFields,
  REGIONS: envFields.regions,
  SCHEDULER_LEASE_SECONDS: envFields
    .positiveInt(6, 60)
    .describe(
      'a scheduler that stops renewing its partitions loses them after this long; the others then take them over',
    ),
  SCHEDULER_PARTITIONS: envFields
    .positiveInt(SchedulerPartitionBucket.defaultPartitions, SchedulerPartitionBucket.maxPartitions)
    .describe(
      'monitors are split into this many partitions, leased among the running schedulers; the same for every scheduler of a NATS (one with another count refuses to start)',
    ),
  SCHEDULER_ID: documented(
    z
      .string()
      .regex(SCHEDULER_ID_PATTERN, 'must be 1 to 128 letters, digits, _, = or -')
      .optional(),
    {
      description: 'names this scheduler in the partition leases',
      default: 'host name, process id and a random suffix',
    },
  ),
  ...streamSizeEnv,
});

export interface SchedulerConfig extends ServiceConfig {
  /** Regions a monitor runs from when it names none. */
  defaultRegions: string[];
  /** A scheduler that stops renewing its partitions loses them after this long. */
  leaseSeconds: number;
  /** Monitors hash into this many partitions, leased among the schedulers. */
  partitions: number;
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
    partitions: e.SCHEDULER_PARTITIONS,
    instanceId: e.SCHEDULER_ID ?? defaultInstanceId(),
    streamSizes: streamSizesOf(e),
  };
}

/** A KV key token: the host name's other characters become `_`. */
function defaultInstanceId(): string {
  const host = hostname()
    .replace(/[^A-Za-z0-9_=-]/g, '_')
    .slice(0, 100);
  return `${host}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export const SCHEDULER_CONFIG = Symbol('SCHEDULER_CONFIG');
