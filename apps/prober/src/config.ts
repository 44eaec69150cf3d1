import { type StreamSizes, streamSizeEnv, streamSizesOf } from '@uptime/bus';
import {
  ConfigError,
  documented,
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
  REGION: documented(envFields.region.removeDefault().optional(), {
    description:
      'the region this prober runs in; it takes the jobs of that region. With `REGIONS` set, it must be one of them',
    default: 'the one region of `REGIONS`, else `local`',
  }),
  REGIONS: envFields.regionsWhenSet,
  PROBE_CANARY_URL: documented(
    z
      .url({
        protocol: /^https?$/,
        message: 'must be an http(s) URL, e.g. http://gateway:3000/health/live',
      })
      .optional(),
    {
      description:
        "a URL known to answer 2xx that the prober checks every `PROBE_CANARY_INTERVAL_SECONDS`; while it fails (twice in a row), the prober's results are `prober_error` (counted against no monitor) and its region shows `degraded`. It may be on a private or loopback address",
      default:
        "the gateway's `/health/live` with `npm start`; alone, none (the canary is off, and says so at start)",
    },
  ),
  PROBE_CANARY_INTERVAL_SECONDS: envFields
    .positiveInt(5, 60)
    .describe('how often the canary is checked; its timeout is the same'),
  ...targetEnvFields,
  PROBE_CONCURRENCY: envFields
    .positiveInt(200, 10_000)
    .describe('checks in flight at once in one prober replica'),
  PROBE_ACK_WAIT_SECONDS: envFields
    .positiveInt(10, 600)
    .describe(
      "a job not acknowledged this long after delivery goes to another prober (a dead prober's jobs are run this late); a running check tells JetStream it is alive three times per wait",
    ),
  ...streamSizeEnv,
});

export interface ProberConfig extends ServiceConfig {
  region: string;
  /** A URL that answers 2xx when the prober's own network works; none turns the canary off. */
  canaryUrl?: string;
  canaryIntervalSeconds: number;
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
    region: regionOf(e.REGION, e.REGIONS),
    canaryUrl: e.PROBE_CANARY_URL,
    canaryIntervalSeconds: e.PROBE_CANARY_INTERVAL_SECONDS,
    targets: targetPolicyFromEnv(e),
    concurrency: e.PROBE_CONCURRENCY,
    ackWaitSeconds: e.PROBE_ACK_WAIT_SECONDS,
    streamSizes: streamSizesOf(e),
  };
}

/**
 * The prober's region, agreeing with the platform's `REGIONS` when it is set: a prober of a
 * region nobody schedules would wait forever, and jobs for its real region would find no one.
 */
export function regionOf(region: string | undefined, regions: string[] | undefined): string {
  if (!regions) return region ?? 'local';
  if (region === undefined && regions.length === 1) return regions[0]!;
  if (region === undefined) {
    throw new ConfigError([
      `REGION: must name this prober's region, one of REGIONS (${regions.join(', ')}) (is missing)`,
    ]);
  }
  if (!regions.includes(region)) {
    throw new ConfigError([
      `REGION: must be one of REGIONS (${regions.join(', ')}) (got ${JSON.stringify(region)})`,
    ]);
  }
  return region;
}

export const PROBER_CONFIG = Symbol('PROBER_CONFIG');
