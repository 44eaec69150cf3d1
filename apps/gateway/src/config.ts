import {
  type Env,
  envFields,
  type MetricsEndpoint,
  metricsEndpointOf,
  metricsEnvFields,
  parseEnv,
} from '@uptime/config';
import { z } from 'zod';

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

const GatewayEnvSchema = z.object({
  PORT: envFields.port(3000),
  HOST: z.string().default('0.0.0.0'),
  NATS_URL: envFields.natsUrl,
  JWT_SECRET: envFields.secret,
  ACCESS_TOKEN_TTL_SECONDS: envFields.positiveInt(900, 86_400),
  AUTH_RATE_LIMIT_PER_MINUTE: envFields.positiveInt(10, 100_000),
  LOG_LEVEL: envFields.logLevel,
  REGIONS: envFields.regions,
  TRUSTED_PROXIES: envFields.trustedProxies,
  ...metricsEnvFields,
  ON_DEMAND_CHECKS_PER_MINUTE_PER_USER: envFields.positiveInt(30, 100_000),
  ON_DEMAND_CHECKS_PER_MINUTE_PER_MONITOR: envFields.positiveInt(6, 100_000),
});

export interface GatewayConfig {
  port: number;
  host: string;
  natsUrl: string;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  /** Register and login attempts per client address per minute. */
  authRateLimitPerMinute: number;
  logLevel: z.output<typeof envFields.logLevel>;
  /** Where a monitor that names no region runs; an on-demand check goes to the first. */
  defaultRegions: string[];
  /** Express's `trust proxy`: the proxies whose X-Forwarded-For names the client. */
  trustedProxies: string[];
  /** `/metrics` on a port of its own instead of the public one. */
  metrics?: MetricsEndpoint;
  /** On-demand checks (`POST /monitors/{id}/check`) a user may run per minute, on this replica. */
  onDemandChecksPerMinutePerUser: number;
  /** On-demand checks of one monitor per minute, on this replica. */
  onDemandChecksPerMinutePerMonitor: number;
}

export function loadGatewayConfig(env: Env): GatewayConfig {
  const e = parseEnv(GatewayEnvSchema, env);
  return {
    port: e.PORT,
    host: e.HOST,
    natsUrl: e.NATS_URL,
    jwtSecret: e.JWT_SECRET,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    logLevel: e.LOG_LEVEL,
    defaultRegions: e.REGIONS,
    trustedProxies: e.TRUSTED_PROXIES,
    metrics: metricsEndpointOf(e, e.HOST),
    onDemandChecksPerMinutePerUser: e.ON_DEMAND_CHECKS_PER_MINUTE_PER_USER,
    onDemandChecksPerMinutePerMonitor: e.ON_DEMAND_CHECKS_PER_MINUTE_PER_MONITOR,
  };
}
