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

export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');

/** Who may create an account with `POST /auth/register`. */
export const REGISTRATION_POLICIES = ['open', 'invite'] as const;
export type RegistrationPolicy = (typeof REGISTRATION_POLICIES)[number];

/** The registry's environment; also the source of the README's configuration table. */
export const RegistryEnvSchema = z.object({
  DATABASE_URL: envFields.databaseUrl,
  ...serviceEnvFields,
  REFRESH_TOKEN_TTL_DAYS: envFields.positiveInt(30, 365).describe('refresh-token lifetime'),
  MAX_MONITORS_PER_USER: envFields
    .positiveInt(1000, 10_000_000)
    .describe(
      'monitors one team may own (the name predates teams); past it a create or bulk is refused whole (403 `/problems/quota-exceeded`)',
    ),
  MAX_TEAMS_PER_USER: envFields
    .positiveInt(20, 10_000)
    .describe(
      'teams one account may belong to; past it creating a team or accepting an invitation is refused (403)',
    ),
  MAX_API_KEYS_PER_TEAM: envFields
    .positiveInt(100, 100_000)
    .describe('API keys one team may hold; past it creating a key is refused (403)'),
  REGISTRATION: z
    .enum(REGISTRATION_POLICIES, {
      message: `must be one of ${REGISTRATION_POLICIES.join(', ')}`,
    })
    .default('open')
    .describe(
      '`open`: anyone may register; `invite`: only the first account registers (`POST /auth/register`), everyone else joins by an invitation (403 `/problems/registration-closed`)',
    ),
  MONITOR_TOMBSTONE_DAYS: envFields
    .positiveInt(30, 3650)
    .describe(
      "how long a deleted monitor's or maintenance window's tombstone stays in `MONITOR_EVENTS` or `MAINTENANCE_EVENTS`",
    ),
  // The probers' rules, so a monitor of an address they would refuse is refused when saved.
  ...targetEnvFields,
  ...streamSizeEnv,
});

export interface RegistryConfig extends ServiceConfig {
  databaseUrl: string;
  refreshTokenTtlDays: number;
  /** Monitors one team may own; a create or bulk that would go past it is refused whole. */
  maxMonitorsPerUser: number;
  /** Teams one account may belong to. */
  maxTeamsPerUser: number;
  /** API keys one team may hold. */
  maxApiKeysPerTeam: number;
  /** `invite`: only the first account registers itself; the others accept an invitation. */
  registration: RegistrationPolicy;
  /** A deleted monitor's tombstone stays in MONITOR_EVENTS this long, for consumers that were away. */
  monitorTombstoneDays: number;
  /** Each stream's size in MiB (`*_MAX_MB`); absent, every stream gets its default. */
  streamSizes?: StreamSizes;
  /**
   * The addresses probes may reach (PROBE_ALLOW_PRIVATE, PROBE_ALLOWED_CIDRS, read as the probers
   * read them): a monitor whose target is an IP address outside them is refused when saved.
   */
  targets: TargetPolicy;
}

export function loadRegistryConfig(env: Env): RegistryConfig {
  const e = parseEnv(RegistryEnvSchema, env);
  return {
    databaseUrl: e.DATABASE_URL,
    ...serviceConfigOf(e),
    refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    maxMonitorsPerUser: e.MAX_MONITORS_PER_USER,
    monitorTombstoneDays: e.MONITOR_TOMBSTONE_DAYS,
    maxTeamsPerUser: e.MAX_TEAMS_PER_USER,
    maxApiKeysPerTeam: e.MAX_API_KEYS_PER_TEAM,
    registration: e.REGISTRATION,
    streamSizes: streamSizesOf(e),
    targets: targetPolicyFromEnv(e),
  };
}
