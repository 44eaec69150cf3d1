export { BusModule } from './bus.module';
export { BusClient, ProblemError } from './bus-client';
export {
  ensureDurableConsumer,
  ensureStream,
  streamConfigOf,
  streamMaxMiB,
  streamSizeEnv,
} from './jetstream';
export { NATS_CONNECTION, connectBus, natsRoundTrip, type BusOptions } from './nats-connection';
export { ContractPipe, natsResponderOptions, rpcProblem } from './rpc';
export { natsReadiness } from './readiness';
export { DurableFollower, type DurableFollowerOptions } from './durable-follower';
export { JetStreamPublisher, PublishNotAcknowledged } from './jetstream-publisher';
