import { type StreamSizes, streamSizeEnv, streamSizesOf } from '@uptime/bus';
import {
  type Env,
  envFields,
  parseEnv,
  type ServiceConfig,
  serviceConfigOf,
  serviceEnvFields,
} from '@uptime/config';
import { type TargetPolicy, targetEnvFields, targetPolicyFromEnv } from '@uptime/target-guard';
import { z } from 'zod';

/** The prober's environment; also the source of the README's configuration table. */
export const ProberEnvSchema = z.object({
  ...serviceEnvFields,
  REGION: envFields.region.describe(
    'the region this prober runs in; it takes the jobs of that region',
  ),
  ...targetEnvFields,
  PROBE_CONCURRENCY: envFields
    .positiveInt(200, 10_000)
    .describe('checks in flight at once in one prober replica'),
  PROBE_ACK_WAIT_SECONDS: envFields
    .positiveInt(30, 600)
    .describe('a job not acknowledged this long after delivery goes to another prober'),
  ...streamSizeEnv,
});

export interface ProberConfig extends ServiceConfig {
  region: string;
  /** `PROBE_ALLOW_PRIVATE` and `PROBE_ALLOWED_CIDRS`: the addresses checks may reach. */
  targets: TargetPolicy;
  /** Checks in flight at once in this replica. */
  concurrency: number;
  /** A job not acked this long after delivery goes to another prober. */
  ackWaitSeconds: number;
  /** Each stream's size in MiB (`*_MAX_MB`); absent, every stream gets its default. */
  streamSizes?: StreamSizes;
}

export function loadProberConfig(env: Env): ProberConfig {
  const e = parseEnv(ProberEnvSchema, env);
  return {
    ...serviceConfigOf(e),
    region: e.REGION,
    targets: targetPolicyFromEnv(e),
    concurrency: e.PROBE_CONCURRENCY,
    ackWaitSeconds: e.PROBE_ACK_WAIT_SECONDS,
    streamSizes: streamSizesOf(e),
  };
}

export const PROBER_CONFIG = Symbol('PROBER_CONFIG');
