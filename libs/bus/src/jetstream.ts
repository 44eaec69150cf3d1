import { documented, envFields } from '@uptime/config';
import {
  ChannelEventStream,
  CheckResultStream,
  MaintenanceEventStream,
  MissedSlotStream,
  MonitorEventStream,
  ProbeJobStream,
  type StreamDefinition,
} from '@uptime/contracts';
import {
  type Consumer,
  type ConsumerConfig,
  DiscardPolicy,
  type JetStreamManager,
  type NatsConnection,
  RetentionPolicy,
  type StreamConfig,
  StorageType,
} from 'nats';

const MIB = 1024 * 1024;
/** 1 TiB: past that a typo is likelier than a plan. */
const MAX_MIB = 1024 * 1024;

/**
 * Stream sizes in MiB by stream name, from an app's validated configuration
 * ({@link streamSizesOf}); a stream it does not name gets its definition's default size.
 */
export type StreamSizes = Readonly<Partial<Record<StreamName, number>>>;

/** Injection token of the app's {@link StreamSizes}, for providers that create streams. */
export const STREAM_SIZES = Symbol('STREAM_SIZES');

/**
 * Creates a stream, or brings an existing one to its definition. Every service that publishes to
 * or consumes from a stream calls it at start, so start order never matters; each takes the
 * stream's size from its own configuration, read from the same environment variable, so they
 * agree. Bringing an older stream up to date changes its subjects, limits and discard policy in
 * place (JetStream allows all three); its messages stay.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  definition: StreamDefinition,
  sizes: StreamSizes = {},
): Promise<void> {
  const wanted = streamConfigOf(definition, sizes);
  try {
    await jsm.streams.info(definition.name);
    await jsm.streams.update(definition.name, wanted).catch(explainStorage(definition, wanted));
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(wanted).catch(explainStorage(definition, wanted));
  }
}

/** The JetStream configuration a definition asks for, at the size configured for it. */
export function streamConfigOf(
  definition: StreamDefinition,
  sizes: StreamSizes = {},
): Partial<StreamConfig> & { name: string } {
  return {
    name: definition.name,
    subjects: [...definition.subjects],
    storage: StorageType.File,
    retention:
      definition.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    duplicate_window: definition.duplicateWindowNanos,
    max_age: definition.maxAgeNanos,
    max_bytes: sizeOf(definition, sizes) * MIB,
    discard: definition.discard === 'new' ? DiscardPolicy.New : DiscardPolicy.Old,
    max_msgs_per_subject: definition.maxMsgsPerSubject || -1,
  };
}

const STREAMS = [
  MonitorEventStream,
  ProbeJobStream,
  CheckResultStream,
  ChannelEventStream,
  MaintenanceEventStream,
  MissedSlotStream,
];
type StreamName = (typeof STREAMS)[number]['name'];

function sizeOf(definition: StreamDefinition, sizes: StreamSizes): number {
  const byName: Readonly<Record<string, number | undefined>> = sizes;
  return byName[definition.name] ?? definition.maxBytes.defaultMiB;
}

function sizeField(definition: StreamDefinition) {
  return documented(envFields.positiveInt(definition.maxBytes.defaultMiB, MAX_MIB), {
    description: definition.maxBytes.description,
  });
}

/**
 * The size variables of every stream, for the environment schema of each app that declares
 * streams: a bad value then stops the start together with the app's other problems.
 */
export const streamSizeEnv = {
  [MonitorEventStream.maxBytes.variable]: sizeField(MonitorEventStream),
  [ProbeJobStream.maxBytes.variable]: sizeField(ProbeJobStream),
  [CheckResultStream.maxBytes.variable]: sizeField(CheckResultStream),
  [ChannelEventStream.maxBytes.variable]: sizeField(ChannelEventStream),
  [MaintenanceEventStream.maxBytes.variable]: sizeField(MaintenanceEventStream),
  [MissedSlotStream.maxBytes.variable]: sizeField(MissedSlotStream),
};

/** The size variables as an app's schema parsed them. */
export type StreamSizeEnv = { readonly [variable in keyof typeof streamSizeEnv]: number };

/** The stream sizes of an environment parsed with {@link streamSizeEnv} in the app's schema. */
export function streamSizesOf(parsed: StreamSizeEnv): StreamSizes {
  return Object.fromEntries(
    STREAMS.map((definition) => [definition.name, parsed[definition.maxBytes.variable]]),
  );
}

/** JetStream refuses a size it cannot reserve on disk: say which variable to lower. */
function explainStorage(definition: StreamDefinition, wanted: Partial<StreamConfig>) {
  return (err: unknown): never => {
    if (err instanceof Error && /insufficient storage/i.test(err.message)) {
      throw new Error(
        `stream ${definition.name}: the NATS server cannot reserve ${(wanted.max_bytes ?? 0) / MIB} MiB ` +
          `(${definition.maxBytes.variable}); lower it or give JetStream more storage (max_file_store)`,
      );
    }
    throw err;
  };
}

/** Creates a durable consumer, or updates the settings of the existing one (replicas share it). */
export async function ensureDurableConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  try {
    await jsm.consumers.info(stream, config.durable_name);
    await jsm.consumers.update(stream, config.durable_name, config);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.consumers.add(stream, config);
  }
}

/** A durable consumer to pull from, its stream and itself set up first. */
export async function openDurableConsumer(
  nc: NatsConnection,
  stream: StreamDefinition,
  config: Partial<ConsumerConfig> & { durable_name: string },
  sizes: StreamSizes = {},
): Promise<Consumer> {
  const jsm = await nc.jetstreamManager();
  await ensureStream(jsm, stream, sizes);
  await ensureDurableConsumer(jsm, stream.name, config);
  return nc.jetstream().consumers.get(stream.name, config.durable_name);
}

/** JetStream's answer for a stream or consumer that does not exist (yet). */
export function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}
