import type { StreamDefinition } from '@uptime/contracts';
import {
  type ConsumerConfig,
  type JetStreamManager,
  RetentionPolicy,
  type StreamConfig,
  StorageType,
} from 'nats';

/**
 * Creates a stream, or brings an existing one to its definition. Every service that publishes to
 * or consumes from a stream calls it at start, so start order never matters.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  definition: StreamDefinition,
): Promise<void> {
  const wanted: Partial<StreamConfig> & { name: string } = {
    name: definition.name,
    subjects: [...definition.subjects],
    storage: StorageType.File,
    retention:
      definition.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    duplicate_window: definition.duplicateWindowNanos,
    max_age: definition.maxAgeNanos,
  };
  try {
    await jsm.streams.info(definition.name);
    await jsm.streams.update(definition.name, wanted);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(wanted);
  }
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

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}
