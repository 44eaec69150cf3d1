export { BusModule } from './bus.module';
export { BusClient, ProblemError } from './bus-client';
export {
  ensureDurableConsumer,
  ensureStream,
  isNotFound,
  STREAM_SIZES,
  streamConfigOf,
  streamSizeEnv,
  streamSizesOf,
  type StreamSizeEnv,
  type StreamSizes,
} from './jetstream';
export {
  NATS_CONNECTION,
  NATS_READINESS_TIMEOUT_MS,
  connectBus,
  natsRoundTrip,
  type BusOptions,
} from './nats-connection';
export {
  Answers,
  NatsResponder,
  orNotFound,
  replyTooLarge,
  requestCursor,
  rpcProblem,
} from './rpc';
export { DEFAULT_MAX_PAYLOAD, PayloadBudget, takeWithin } from './payload-budget';
export { natsReadiness, type MoreReadiness } from './readiness';
export { DurableFollower, type DurableFollowerOptions } from './durable-follower';
export { BatchFollower, type BatchFollowerOptions } from './batch-follower';
export { openProberPresence, ProberPresenceWatch } from './prober-presence';
export { openRegionIncidents, RegionIncidentWatch } from './region-incidents';
export {
  JetStreamPublisher,
  PublishNotAcknowledged,
  type PublishOptions,
} from './jetstream-publisher';
export { traceContextOf, withTraceContext } from './trace-headers';
export { ConsumerLag } from './consumer-lag';
export { MessageBatches, type MessageBatchOptions } from './message-batches';
