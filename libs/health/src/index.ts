export { HealthModule } from './health.module';
export { ReadinessChecks, readinessCheck, type ReadinessCheck } from './readiness';
