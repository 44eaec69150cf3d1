import { Logger } from '@nestjs/common';
import type { StreamDefinition } from '@uptime/contracts';
import { trace } from '@opentelemetry/api';
import { inSpan, SpanKind } from '@uptime/tracing';
import type {
  ConsumeOptions,
  Consumer,
  ConsumerConfig,
  ConsumerMessages,
  JsMsg,
  NatsConnection,
} from 'nats';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { ConsumerLag } from './consumer-lag';
import { ContractReader } from './contract-reader';
import { openDurableConsumer, type StreamSizes } from './jetstream';
import { PayloadBudget } from './payload-budget';
import { traceContextOf } from './trace-headers';

export interface BatchFollowerOptions<T> {
  /** Named in logs. */
  name: string;
  stream: StreamDefinition;
  consumer: Partial<ConsumerConfig> & { durable_name: string };
  /** The payload's contract, checked on receipt: a malformed message is dropped, never retried. */
  /** The app's configured stream sizes; the stream is created (or updated) at its size. */
  streamSizes?: StreamSizes;
  schema: z.ZodType<T>;
  /**
   * For a stream whose messages may carry several payloads (CHECK_RESULTS: a prober's batch):
   * the payloads of a decoded message, each then checked against `schema`. Without it a message
   * is one payload.
   */
  split?: (message: unknown) => unknown[];
  /**
   * Most payloads handed over at once. Twice as many messages are pulled ahead or, with `split`,
   * about twice as many payloads' worth of bytes.
   */
  batchSize: number;
  /**
   * How long a batch waits for more, from its first message, once nothing else is buffered.
   * 0 (the default): it is handed over as soon as nothing else is buffered, so on a quiet stream
   * a message waits for nothing, and under load batches fill up.
   */
  maxWaitMs?: number;
  /** Resolves once the batch's effect is committed; then its messages are acked. */
  handle: (batch: T[]) => Promise<void>;
  /**
   * When `handle` threw: each payload on its own, so one bad payload never holds the others
   * back (a message is acked once all of its payloads were handled). Without it the whole batch
   * is redelivered.
   */
  handleEach?: (item: T) => Promise<void>;
  /** How long a message that was not handled waits before it is redelivered. */
  retryDelayMs?: number;
  /** Where the count of malformed messages and the consumer's lag go (see ContractReader, ConsumerLag). */
  registry?: Registry;
}

/** A message and its valid payloads (one, unless the stream's messages carry several). */
interface Received<T> {
  m: JsMsg;
  items: T[];
}

/** After a pull that failed, or a batch none of which could be handled: a dependency is away. */
const PAUSE_MS = 500;

/** More than one check result takes (about 600 bytes): what a pull by bytes allows per payload. */
const PULL_BYTES_PER_PAYLOAD = 1024;

/**
 * Batches from a durable consumer, in stream order: validate each message on receipt, hand the
 * valid ones over a batch at a time, ack them after the handler's commit and nak (redeliver
 * later) what it could not handle. A continuous pull, so the next batch is already buffered
 * while one is handled. Durable, so what arrives while the app is down is handled when it is back.
 */
export class BatchFollower<T> {
  private readonly logger: Logger;
  private readonly reader: ContractReader<T>;
  private readonly loop: Promise<void>;
  private messages?: ConsumerMessages;
  private stopped = false;

  private constructor(
    private readonly consumer: Consumer,
    private readonly options: BatchFollowerOptions<T>,
    private readonly maxPayload: number,
  ) {
    this.logger = new Logger(options.name);
    this.reader = new ContractReader(
      options.schema,
      options.name,
      options.consumer.durable_name,
      options.registry,
    );
    this.loop = this.follow();
  }

  static async start<T>(
    nc: NatsConnection,
    options: BatchFollowerOptions<T>,
  ): Promise<BatchFollower<T>> {
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
    return new BatchFollower(consumer, options, new PayloadBudget(nc).maxPayload);
  }

  /** Messages dropped as malformed since start, and malformed payloads left out of valid ones. */
  get dropped(): number {
    return this.reader.dropped;
  }

  /** Ends the pull; what was already received is handled before this resolves. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.messages?.close();
    await this.loop;
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      try {
        this.messages = await this.consumer.consume(this.pullAhead());
        // close() may have come while the pull was being set up.
        if (this.stopped) await this.messages.close();
        await this.drain(this.messages);
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn(`pull failed, retrying: ${String(err)}`);
        await sleep(PAUSE_MS);
      }
    }
  }

  /**
   * A message of several payloads may carry hundreds (a prober's batch of results): pulled ahead
   * by messages, a consumer catching up would buffer hundreds of thousands of payloads, whose
   * messages outlive their ack wait before they are handled. Bytes bound them, never below two of
   * the largest messages: a pull allowed fewer bytes than a message holds never receives it.
   */
  private pullAhead(): ConsumeOptions {
    const { split, batchSize } = this.options;
    if (split === undefined) return { max_messages: batchSize * 2 };
    return { max_bytes: Math.max(batchSize * 2 * PULL_BYTES_PER_PAYLOAD, this.maxPayload * 2) };
  }

  /** Hands over batches of what arrives until the pull ends; the batch in hand goes last. */
  private async drain(messages: ConsumerMessages): Promise<void> {
    const iterator = messages[Symbol.asyncIterator]();
    const batch = new PendingBatch<T>(this.options.batchSize, this.options.maxWaitMs ?? 0);
    let next: Promise<IteratorResult<JsMsg>> | undefined;
    try {
      for (;;) {
        next ??= iterator.next();
        const got = await batch.waitFor(next);
        if (got === undefined) {
          // The batch is due and nothing else is buffered; the pull goes on.
          await this.handOver(batch.take());
          continue;
        }
        next = undefined;
        if (got.done) return;
        const items = this.itemsOf(got.value);
        if (items !== undefined) batch.add({ m: got.value, items });
        if (batch.full) await this.handOver(batch.take());
      }
    } finally {
      await this.handOver(batch.take());
    }
  }

  private itemsOf(m: JsMsg): T[] | undefined {
    const split = this.options.split;
    if (split !== undefined) return this.reader.readAll(m, split);
    const item = this.reader.read(m);
    return item === undefined ? undefined : [item];
  }

  /** Never throws: what is not handled is nak'ed, to come back after `retryDelayMs`. */
  private async handOver(batch: Received<T>[]): Promise<void> {
    if (batch.length === 0) return;
    const handled = await this.handleBatch(batch);
    // Nothing went through: the store or database is away, so do not spin through the backlog.
    if (handled === 0 && !this.stopped) await sleep(PAUSE_MS);
  }

  /** How many of the batch were handled (and acked). */
  private async handleBatch(batch: Received<T>[]): Promise<number> {
    try {
      await this.traced(batch, () => this.options.handle(batch.flatMap((r) => r.items)));
      for (const { m } of batch) m.ack();
      return batch.length;
    } catch (err) {
      const each = this.options.handleEach;
      if (each === undefined) {
        this.logger.warn(
          `a batch of ${batch.length} not handled, will be redelivered: ${String(err)}`,
        );
        for (const { m } of batch) m.nak(this.retryDelayMs);
        return 0;
      }
      this.logger.warn(`a batch of ${batch.length} failed, handling one by one: ${String(err)}`);
      let handled = 0;
      for (const received of batch) handled += await this.handleAlone(received, each);
      return handled;
    }
  }

  /**
   * The batch's span continues the trace of its first message (on a quiet stream, a batch of
   * one: the whole trace stays one tree); the others' traces are linked to it.
   */
  private traced(batch: Received<T>[], work: () => Promise<void>): Promise<void> {
    const [first, ...rest] = batch.map(({ m }) => traceContextOf(m.headers));
    const links = rest.flatMap((ctx) => {
      const spanContext = trace.getSpanContext(ctx);
      return spanContext ? [{ context: spanContext }] : [];
    });
    return inSpan(
      `${this.options.stream.name} process`,
      {
        kind: SpanKind.CONSUMER,
        parent: first,
        links,
        attributes: {
          'messaging.system': 'nats',
          'messaging.consumer.group.name': this.options.consumer.durable_name,
          'messaging.batch.message_count': batch.length,
        },
      },
      work,
    );
  }

  private async handleAlone(
    { m, items }: Received<T>,
    handle: (item: T) => Promise<void>,
  ): Promise<number> {
    try {
      // In order: a monitor's results are applied in the order they were published.
      for (const item of items) await handle(item);
      m.ack();
      return 1;
    } catch (err) {
      this.logger.warn(`message ${m.seq} not handled, will be redelivered: ${String(err)}`);
      m.nak(this.retryDelayMs);
      return 0;
    }
  }

  private get retryDelayMs(): number {
    return this.options.retryDelayMs ?? 2000;
  }
}

/** The batch being filled: full at `size` payloads, due `maxWaitMs` after its first message. */
class PendingBatch<T> {
  private items: Received<T>[] = [];
  private payloads = 0;
  private dueAt = 0;

  constructor(
    private readonly size: number,
    private readonly maxWaitMs: number,
  ) {}

  get full(): boolean {
    return this.payloads >= this.size;
  }

  add(received: Received<T>): void {
    if (this.items.length === 0) this.dueAt = Date.now() + this.maxWaitMs;
    this.items.push(received);
    this.payloads += received.items.length;
  }

  take(): Received<T>[] {
    const taken = this.items;
    this.items = [];
    this.payloads = 0;
    return taken;
  }

  /**
   * The next message, or undefined when the batch is due first. Once due it takes only what is
   * already buffered: a buffered message comes within the current tick (the iterator settles in
   * microtasks), one still on the wire after it. Not `getPending()`, which also counts the
   * client's own pull requests queued in the iterator and so can claim a message that never comes.
   */
  async waitFor<R>(next: Promise<R>): Promise<R | undefined> {
    if (this.items.length === 0) return next;
    let timer: NodeJS.Timeout | undefined;
    let tick: NodeJS.Immediate | undefined;
    const due = new Promise<undefined>((resolve) => {
      const ms = this.dueAt - Date.now();
      if (ms > 0) timer = setTimeout(() => resolve(undefined), ms);
      else tick = setImmediate(() => resolve(undefined));
    });
    try {
      return await Promise.race([next, due]);
    } finally {
      clearTimeout(timer);
      clearImmediate(tick);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
