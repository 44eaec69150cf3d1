import { type Context, context } from '@opentelemetry/api';
import type { JetStreamPublisher } from '@uptime/bus';
import { type CheckResult, checkResultSubject } from '@uptime/contracts';
import { randomUUID } from 'node:crypto';

export interface ResultBatchOptions {
  /** How long the first result of a message waits for company. */
  windowMs: number;
  /** Most results in one message. */
  maxResults: number;
  /** Most bytes of JSON in one message (a single larger result still goes, alone). */
  maxBytes: () => number;
}

/** A message being filled for one subject. */
interface Batch {
  subject: string;
  json: string[];
  bytes: number;
  waiting: { resolve(): void; reject(err: unknown): void }[];
  /** The first result's trace context: the message continues that check's trace. */
  trace: Context;
  timer: NodeJS.Timeout;
}

/** A few milliseconds: nothing an alert notices, and a full message at a few thousand checks/s. */
export const RESULT_WINDOW_MS = 20;

const utf8 = new TextEncoder();

/**
 * Publishes the results a prober finishes within `windowMs` of each other as one CHECK_RESULTS
 * message (a JSON array). Every message costs a publish and a stream ack, and a delivery and an
 * ack in each consumer: one per result was most of the bus's work per check. Each result's
 * promise settles with its message's ack, so a job is still acked only once its result is
 * stored, and a message the stream refused leaves every job in it for redelivery (consumers
 * skip a result id they already applied).
 */
export class ResultBatches {
  private readonly open = new Map<string, Batch>();

  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly options: ResultBatchOptions,
  ) {}

  /** Resolves once the stream stored the message holding the result; rejects if it did not. */
  publish(result: CheckResult): Promise<void> {
    if (result.onDemand) return this.publishAlone(result);
    const subject = checkResultSubject(result.region);
    const json = JSON.stringify(result);
    const bytes = Buffer.byteLength(json) + 1;
    const current = this.open.get(subject);
    if (current && current.bytes + bytes > this.options.maxBytes()) this.send(current);
    const batch = this.open.get(subject) ?? this.start(subject);
    batch.json.push(json);
    batch.bytes += bytes;
    const stored = new Promise<void>((resolve, reject) => batch.waiting.push({ resolve, reject }));
    if (batch.json.length >= this.options.maxResults) this.send(batch);
    return stored;
  }

  /**
   * Someone waits for an on-demand result (the gateway's request), and its message carries that
   * request's trace: it goes at once, in a message of its own.
   */
  private publishAlone(result: CheckResult): Promise<void> {
    const data = utf8.encode(`[${JSON.stringify(result)}]`);
    return this.publisher
      .publish(checkResultSubject(result.region), data, result.id)
      .then(() => undefined);
  }

  /** Sends what waits now (at shutdown, so no result waits for a timer). */
  flush(): void {
    for (const batch of [...this.open.values()]) this.send(batch);
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
    // A fresh id: a message is never published twice (a refused one's jobs are checked again
    // and come back in other messages), and the results' own ids are what consumers dedupe on.
    const stored = context.with(batch.trace, () =>
      this.publisher.publish(batch.subject, data, randomUUID()),
    );
    stored.then(
      () => batch.waiting.forEach((w) => w.resolve()),
      (err: unknown) => batch.waiting.forEach((w) => w.reject(err)),
    );
  }
}
