export {
  EMBEDDED_DATABASE,
  POSTGRES_PID_FILE,
  startEmbeddedPostgres,
  type EmbeddedService,
} from './embedded-postgres';
export { isRunning, commandLine, isOurs } from './embedded-process';
export { freePort } from './free-port';
export { type EmbeddedNats, ensureNats, NATS_PID_FILE } from './nats-server';
export {
  type JetStreamHealth,
  JETSTREAM_WATCH_DEFAULTS,
  type JetStreamWatchOptions,
} from './jetstream-watch';
export { postgresClusterDir, removeDataDir, SYSTEM_HOME } from './postgres-install';
export { claimDataDir, PLATFORM_PID_FILE } from './data-dir-claim';
export { keepPrivate } from './private-data';
export { readOrCreateSecret } from './secrets';
