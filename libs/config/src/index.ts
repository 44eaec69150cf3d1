export {
  ConfigError,
  envFields,
  metricsEndpointOf,
  metricsEnvFields,
  parseEnv,
  redact,
  type Env,
  type MetricsEndpoint,
} from './env';
export { nestLogLevels } from './log-levels';
