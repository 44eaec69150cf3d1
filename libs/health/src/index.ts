export { HealthModule } from './health.module';
export { ReadinessChecks, readinessCheck, type ReadinessCheck } from './readiness';
export { TELEMETRY, TelemetryModule, type TelemetryOptions } from './telemetry';
