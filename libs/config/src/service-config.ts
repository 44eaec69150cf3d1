import type { z } from 'zod';
import { envFields, type MetricsEndpoint, metricsEndpointOf, metricsEnvFields } from './env';

/** What every app reads from its environment, whatever else it needs. */
export const serviceEnvFields = {
  NATS_URL: envFields.natsUrl,
  PORT: envFields.port(3000),
  ...metricsEnvFields,
  LOG_LEVEL: envFields.logLevel,
  LOG_FORMAT: envFields.logFormat,
  OTEL_EXPORTER_OTLP_ENDPOINT: envFields.otlpEndpoint,
};

type ServiceEnv = {
  NATS_URL: string;
  PORT: number;
  METRICS_PORT?: number;
  METRICS_HOST?: string;
  LOG_LEVEL: z.output<typeof envFields.logLevel>;
  LOG_FORMAT: LogFormat;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
};

export type LogFormat = z.output<typeof envFields.logFormat>;

/** The part of every app's config that comes from {@link serviceEnvFields}. */
export interface ServiceConfig {
  natsUrl: string;
  port: number;
  /** `/metrics` on a port of its own instead of `port`. */
  metrics?: MetricsEndpoint;
  logLevel: z.output<typeof envFields.logLevel>;
  /** Text when omitted. */
  logFormat?: LogFormat;
  /** Where traces go over OTLP/HTTP; undefined: tracing off. */
  otlpEndpoint?: string;
}

/** `appHost`: where the app listens, the metrics port's default address. */
export function serviceConfigOf(e: ServiceEnv, appHost?: string): ServiceConfig {
  return {
    natsUrl: e.NATS_URL,
    port: e.PORT,
    metrics: metricsEndpointOf(e, appHost),
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
  };
}
