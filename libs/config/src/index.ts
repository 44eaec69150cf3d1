export {
  ConfigError,
  DEFAULT_TEXT,
  documented,
  envFields,
  metricsEndpointOf,
  metricsEnvFields,
  parseEnv,
  redact,
  type Env,
  type EnvDoc,
  type MetricsEndpoint,
} from './env';
export { nestLogLevels } from './log-levels';
export {
  serviceConfigOf,
  serviceEnvFields,
  type LogFormat,
  type ServiceConfig,
} from './service-config';
