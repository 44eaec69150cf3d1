export { HealthModule } from './health.module';
export { ReadinessChecks, readinessCheck, type ReadinessCheck } from './readiness';
export {
  MetricsScrape,
  type MetricsSource,
  TELEMETRY,
  TelemetryModule,
  type TelemetryOptions,
} from './telemetry';
export { RateLimitedLog } from './rate-limited-log';
export { FallingBehind, type FallingBehindOptions } from './falling-behind';
