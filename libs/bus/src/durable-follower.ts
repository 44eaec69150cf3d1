import { Logger } from '@nestjs/common';
import type { StreamDefinition } from '@uptime/contracts';
import { inSpan, SpanKind } from '@uptime/tracing';
import type { ConsumerConfig, ConsumerMessages, NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { ConsumerLag } from './consumer-lag';
import { ContractReader } from './contract-reader';
import { openDurableConsumer, type StreamSizes } from './jetstream';
import { traceContextOf } from './trace-headers';

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
  /** Where the consumer's lag goes (see ConsumerLag). */
  registry?: Registry;
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
    const consumer = await openDurableConsumer(
      nc,
      options.stream,
      options.consumer,
      options.streamSizes,
    );
    if (options.registry)
      ConsumerLag.of(options.registry).watch(
        nc,
        options.stream.name,
        options.consumer.durable_name,
      );
    const messages = await consumer.consume();
    const reader = new ContractReader(options.schema, options.name, options.consumer.durable_name);
    return new DurableFollower(messages, follow(messages, options, reader));
  }

  async close(): Promise<void> {
    await this.messages.close();
    await this.loop;
  }
}

async function follow<T>(
  messages: ConsumerMessages,
  options: DurableFollowerOptions<T>,
  reader: ContractReader<T>,
): Promise<void> {
  const logger = new Logger(options.name);
  for await (const m of messages) {
    const message = reader.read(m);
    if (message === undefined) continue;
    try {
      await inSpan(
        `${options.stream.name} process`,
        {
          kind: SpanKind.CONSUMER,
          parent: traceContextOf(m.headers),
          attributes: {
            'messaging.system': 'nats',
            'messaging.consumer.group.name': options.consumer.durable_name,
          },
        },
        () => options.handle(message),
      );
      m.ack();
    } catch (err) {
      logger.warn(`message not handled, will be redelivered: ${String(err)}`);
      m.nak(options.retryDelayMs ?? 2000);
    }
  }
}
