import { ConfigError, documented, type Env, envFields, redact } from '@uptime/config';
import {
  ChannelEventStream,
  CheckResultStream,
  MonitorEventStream,
  ProbeJobStream,
  type StreamDefinition,
} from '@uptime/contracts';
import {
  type ConsumerConfig,
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  type StreamConfig,
  StorageType,
} from 'nats';

const MIB = 1024 * 1024;
/** 1 TiB: past that a typo is likelier than a plan. */
const MAX_MIB = 1024 * 1024;

/**
 * Creates a stream, or brings an existing one to its definition. Every service that publishes to
 * or consumes from a stream calls it at start, so start order never matters; each reads the
 * stream's size from the same environment variable, so they agree. Bringing an older stream up
 * to date changes its subjects, limits and discard policy in place (JetStream allows all three);
 * its messages stay.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  definition: StreamDefinition,
  env: Env = process.env,
): Promise<void> {
  const wanted = streamConfigOf(definition, env);
  try {
    await jsm.streams.info(definition.name);
    await jsm.streams.update(definition.name, wanted).catch(explainStorage(definition, wanted));
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(wanted).catch(explainStorage(definition, wanted));
  }
}

/** The JetStream configuration a definition asks for, with its size from the environment. */
export function streamConfigOf(
  definition: StreamDefinition,
  env: Env = process.env,
): Partial<StreamConfig> & { name: string } {
  return {
    name: definition.name,
    subjects: [...definition.subjects],
    storage: StorageType.File,
    retention:
      definition.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    duplicate_window: definition.duplicateWindowNanos,
    max_age: definition.maxAgeNanos,
    max_bytes: streamMaxMiB(definition, env) * MIB,
    discard: definition.discard === 'new' ? DiscardPolicy.New : DiscardPolicy.Old,
    max_msgs_per_subject: definition.maxMsgsPerSubject || -1,
  };
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
};

/** The stream's size in MiB: its variable when set (validated), else the default. */
export function streamMaxMiB(definition: StreamDefinition, env: Env = process.env): number {
  const { variable } = definition.maxBytes;
  const raw = env[variable] || undefined;
  const parsed = sizeField(definition).safeParse(raw);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? 'is invalid';
  throw new ConfigError([`${variable}: ${message} (got ${JSON.stringify(redact(raw ?? ''))})`]);
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

/** JetStream's answer for a stream or consumer that does not exist (yet). */
export function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}
