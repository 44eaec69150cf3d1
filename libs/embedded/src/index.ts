export {
  EMBEDDED_DATABASE,
  startEmbeddedPostgres,
  type EmbeddedService,
} from './embedded-postgres';
export { freePort } from './free-port';
export { ensureNats } from './nats-server';
export { readOrCreateSecret } from './secrets';
