export { ConfigError, envFields, parseEnv, redact, type Env } from './env';
export { nestLogLevels } from './log-levels';
