import {
  documented,
  type Env,
  envFields,
  metricsEnvFields,
  parseEnv,
  type ServiceConfig,
  serviceConfigOf,
} from '@uptime/config';
import { z } from 'zod';

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** The gateway's environment; also the source of the README's configuration table. */
export const GatewayEnvSchema = z.object({
  PORT: envFields.port(3000),
  HOST: envFields.host('0.0.0.0'),
  PUBLIC_URL: envFields.publicUrl,
  NATS_URL: envFields.natsUrl,
  JWT_SECRET: documented(envFields.secret, {
    description: 'HS256 key, at least 32 characters',
    default:
      'generated into `DATA_DIR/jwt-secret` by `npm start`; required alone and with `NODE_ENV=production`',
  }),
  ACCESS_TOKEN_TTL_SECONDS: envFields.positiveInt(900, 86_400).describe('access-token lifetime'),
  AUTH_RATE_LIMIT_PER_MINUTE: envFields
    .positiveInt(10, 100_000)
    .describe('register and login attempts per client address per minute'),
  LOG_LEVEL: envFields.logLevel,
  LOG_FORMAT: envFields.logFormat,
  OTEL_EXPORTER_OTLP_ENDPOINT: envFields.otlpEndpoint,
  REGIONS: envFields.regions,
  TRUSTED_PROXIES: envFields.trustedProxies,
  ...metricsEnvFields,
  ON_DEMAND_CHECKS_PER_MINUTE_PER_USER: envFields
    .positiveInt(30, 100_000)
    .describe(
      'on-demand checks per user per minute, per gateway replica (429 with `Retry-After` past it)',
    ),
  ON_DEMAND_CHECKS_PER_MINUTE_PER_MONITOR: envFields
    .positiveInt(6, 100_000)
    .describe('on-demand checks per monitor per minute, per gateway replica'),
  PINGS_PER_MINUTE_PER_TOKEN: envFields
    .positiveInt(60, 100_000)
    .describe(
      'heartbeat pings per ping URL per minute, per gateway replica (429 with `Retry-After` past it)',
    ),
  BULK_CREATE_MAX_PROBE_LAG_SECONDS: envFields
    .positiveInt(2, 86_400)
    .describe(
      '`POST /monitors/bulk` answers 503 with `Retry-After` (nothing created) while a live prober starts scheduled checks later than this: imports wait for checks to catch up',
    ),
  OPERATOR_TEAM_ID: z
    .uuid({ message: 'must be a team id (a UUID)' })
    .optional()
    .describe(
      "the platform operators' team: its admins (and admin API keys) may list region incidents (`GET /regions/incidents`); without it nobody may",
    ),
});

export interface GatewayConfig extends ServiceConfig {
  host: string;
  /** Where users open the platform, without a trailing slash: invitation links point here. */
  publicUrl: string;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  /** Register and login attempts per client address per minute. */
  authRateLimitPerMinute: number;
  /** Where a monitor that names no region runs; an on-demand check goes to the first. */
  defaultRegions: string[];
  /** Express's `trust proxy`: the proxies whose X-Forwarded-For names the client. */
  trustedProxies: string[];
  /** On-demand checks (`POST /monitors/{id}/check`) a user may run per minute, on this replica. */
  onDemandChecksPerMinutePerUser: number;
  /** On-demand checks of one monitor per minute, on this replica. */
  onDemandChecksPerMinutePerMonitor: number;
  /** Calls of one ping URL (`/ping/{token}`, start and fail included) per minute, on this replica. */
  pingsPerMinutePerToken: number;
  /** Bulk creations are deferred while a live prober starts checks later than this. */
  bulkCreateMaxProbeLagSeconds: number;
  /** The team whose admins operate the platform (`GET /regions/incidents`); absent: nobody. */
  operatorTeamId?: string;
}

export function loadGatewayConfig(env: Env): GatewayConfig {
  const e = parseEnv(GatewayEnvSchema, env);
  return {
    ...serviceConfigOf(e, e.HOST),
    host: e.HOST,
    publicUrl: e.PUBLIC_URL ?? defaultPublicUrl(e.PORT),
    jwtSecret: e.JWT_SECRET,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    defaultRegions: e.REGIONS,
    trustedProxies: e.TRUSTED_PROXIES,
    onDemandChecksPerMinutePerUser: e.ON_DEMAND_CHECKS_PER_MINUTE_PER_USER,
    onDemandChecksPerMinutePerMonitor: e.ON_DEMAND_CHECKS_PER_MINUTE_PER_MONITOR,
    pingsPerMinutePerToken: e.PINGS_PER_MINUTE_PER_TOKEN,
    bulkCreateMaxProbeLagSeconds: e.BULK_CREATE_MAX_PROBE_LAG_SECONDS,
    operatorTeamId: e.OPERATOR_TEAM_ID?.toLowerCase(),
  };
}

/** The gateway's own address on this machine, when PUBLIC_URL is not set. */
export function defaultPublicUrl(port: number): string {
  return `http://localhost:${port}`;
}
