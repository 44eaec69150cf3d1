import { Logger } from '@nestjs/common';
import type { StreamDefinition } from '@uptime/contracts';
import {
  type ConsumerConfig,
  type ConsumerMessages,
  type JsMsg,
  JSONCodec,
  type NatsConnection,
} from 'nats';
import type { z } from 'zod';
import { ensureDurableConsumer, ensureStream, type StreamSizes } from './jetstream';

const codec = JSONCodec<unknown>();

export interface DurableFollowerOptions<T> {
  /** Named in logs. */
  name: string;
  stream: StreamDefinition;
  /** The app's configured stream sizes; the stream is created (or updated) at its size. */
  streamSizes?: StreamSizes;
  consumer: Partial<ConsumerConfig> & { durable_name: string };
  /** The payload's contract, checked on receipt: a malformed message is dropped, never retried forever. */
  schema: z.ZodType<T>;
  /** Resolves once the message's effect is committed; then it is acked. A throw redelivers it. */
  handle: (message: T) => Promise<void>;
  retryDelayMs?: number;
}

/**
 * One message at a time from a durable consumer: validate, handle, ack after the handler's
 * commit, nak (redeliver later) when it failed. Durable, so what arrives while the app is down
 * is handled when it comes back.
 */
export class DurableFollower {
  private constructor(
    private readonly messages: ConsumerMessages,
    private readonly loop: Promise<void>,
  ) {}

  static async start<T>(
    nc: NatsConnection,
    options: DurableFollowerOptions<T>,
  ): Promise<DurableFollower> {
    const jsm = await nc.jetstreamManager();
    await ensureStream(jsm, options.stream, options.streamSizes);
    await ensureDurableConsumer(jsm, options.stream.name, options.consumer);
    const consumer = await nc
      .jetstream()
      .consumers.get(options.stream.name, options.consumer.durable_name);
    const messages = await consumer.consume();
    return new DurableFollower(messages, follow(messages, options, new Logger(options.name)));
  }

  async close(): Promise<void> {
    await this.messages.close();
    await this.loop;
  }
}

async function follow<T>(
  messages: ConsumerMessages,
  options: DurableFollowerOptions<T>,
  logger: Logger,
): Promise<void> {
  for await (const m of messages) {
    const parsed = options.schema.safeParse(decode(m));
    if (!parsed.success) {
      logger.warn(`dropped a malformed message (seq ${m.seq})`);
      m.term();
      continue;
    }
    try {
      await options.handle(parsed.data);
      m.ack();
    } catch (err) {
      logger.warn(`message not handled, will be redelivered: ${String(err)}`);
      m.nak(options.retryDelayMs ?? 2000);
    }
  }
}

function decode(m: JsMsg): unknown {
  try {
    return codec.decode(m.data);
  } catch {
    return undefined;
  }
}
