import { type Context, context } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import type { JetStreamPublisher } from './jetstream-publisher';

export interface MessageBatchOptions<T> {
  /** The subject an item goes to; items of one subject share messages. */
  subjectOf(item: T): string;
  /**
   * The message id of an item someone waits for (an on-demand result): it goes at once, alone
   * (as an array of one). Undefined, or no function: the item waits for company.
   */
  aloneId?(item: T): string | undefined;
  /** How long the first item of a message waits for company. */
  windowMs: number;
  /** Most items in one message. */
  maxItems: number;
  /** Most bytes of JSON in one message (a single larger item still goes, alone). */
  maxBytes: () => number;
}

/** A message being filled for one subject. */
interface Batch {
  subject: string;
  json: string[];
  bytes: number;
  waiting: { resolve(): void; reject(err: unknown): void }[];
  /** The first item's trace context: the message continues that item's trace. */
  trace: Context;
  timer: NodeJS.Timeout;
}

const utf8 = new TextEncoder();

/**
 * Publishes the items handed over within `windowMs` of each other to one subject as one message
 * (a JSON array). Every message costs a publish and a stream ack, and a delivery and an ack in
 * each consumer: one per check result, or per missed slot when a platform falls behind, was most
 * of the bus's work (docs/performance.md). Each item's promise settles with its message's ack, so
 * a job is still acked only once its result is stored, and a message the stream refused fails
 * every item in it (consumers skip an id they already applied, so sending one again is safe).
 */
export class MessageBatches<T> {
  private readonly open = new Map<string, Batch>();

  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly options: MessageBatchOptions<T>,
  ) {}

  /** Resolves once the stream stored the message holding the item; rejects if it did not. */
  publish(item: T): Promise<void> {
    const subject = this.options.subjectOf(item);
    const aloneId = this.options.aloneId?.(item);
    if (aloneId !== undefined) return this.publishAlone(subject, item, aloneId);
    const json = JSON.stringify(item);
    const bytes = Buffer.byteLength(json) + 1;
    const current = this.open.get(subject);
    if (current && current.bytes + bytes > this.options.maxBytes()) this.send(current);
    const batch = this.open.get(subject) ?? this.start(subject);
    batch.json.push(json);
    batch.bytes += bytes;
    const stored = new Promise<void>((resolve, reject) => batch.waiting.push({ resolve, reject }));
    if (batch.json.length >= this.options.maxItems) this.send(batch);
    return stored;
  }

  /** Sends what waits now (at shutdown, so no item waits for a timer). */
  flush(): void {
    for (const batch of [...this.open.values()]) this.send(batch);
  }

  /** Its message carries the waiting request's trace, so it goes at once, in a message of its own. */
  private publishAlone(subject: string, item: T, id: string): Promise<void> {
    const data = utf8.encode(`[${JSON.stringify(item)}]`);
    return this.publisher.publish(subject, data, id).then(() => undefined);
  }

  private start(subject: string): Batch {
    const batch: Batch = {
      subject,
      json: [],
      bytes: 2,
      waiting: [],
      trace: context.active(),
      timer: setTimeout(() => this.send(batch), this.options.windowMs),
    };
    this.open.set(subject, batch);
    return batch;
  }

  private send(batch: Batch): void {
    clearTimeout(batch.timer);
    if (this.open.get(batch.subject) === batch) this.open.delete(batch.subject);
    const data = utf8.encode(`[${batch.json.join(',')}]`);
    // A fresh id: a message is never published twice (a refused one's items come back in other
    // messages), and the items' own ids are what consumers dedupe on.
    const stored = context.with(batch.trace, () =>
      this.publisher.publish(batch.subject, data, randomUUID()),
    );
    stored.then(
      () => batch.waiting.forEach((w) => w.resolve()),
      (err: unknown) => batch.waiting.forEach((w) => w.reject(err)),
    );
  }
}
