import { type JetStreamManager, type StreamConfig, RetentionPolicy, StorageType } from 'nats';

/** Creates a stream, or brings an existing one to the wanted config (idempotent at every start). */
export async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  const wanted: Partial<StreamConfig> = {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    ...config,
  };
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, wanted);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(wanted);
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /stream not found/i.test(err.message);
}
