import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from 'nats';

interface Pending {
  resolve(): void;
  reject(err: Error): void;
  at: number;
}

/** A message waiting for the end of the event-loop turn to be written with the others. */
interface Outgoing {
  subject: string;
  data: Uint8Array;
  msgId: string;
  token: string;
}

interface PubAck {
  stream?: string;
  error?: { code?: number; description?: string };
}

/** The stream did not take the message (no stream, stream full, timeout): publish again later. */
export class PublishNotAcknowledged extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishNotAcknowledged';
  }
}

/**
 * Publishes to JetStream and resolves once the stream acknowledged storing the message (a
 * duplicate within the dedup window counts as stored), like `js.publish`, but with one reply
 * subscription and one timeout sweep for all messages. `js.publish` builds a request object, a
 * timer and a cancellation error per message; on the prober's and scheduler's hot paths that was
 * about a third of their NATS CPU per check (see docs/performance.md).
 *
 * Messages published during one event-loop turn go out together at its end: the NATS client
 * writes to its socket once per microtask checkpoint, and a prober finishes its checks one I/O
 * callback at a time, so publishing each at once cost a socket write (a syscall) per message.
 */
export class JetStreamPublisher {
  private readonly prefix = `${createInbox()}.`;
  private readonly pending = new Map<string, Pending>();
  private readonly subscription: Subscription;
  private readonly sweep: NodeJS.Timeout;
  private sequence = 0;
  private outgoing: Outgoing[] = [];
  private flushing?: NodeJS.Immediate;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 5000,
  ) {
    this.subscription = nc.subscribe(`${this.prefix}*`, {
      callback: (_err, msg) => this.settle(msg),
    });
    this.sweep = setInterval(() => this.expire(Date.now()), Math.min(1000, timeoutMs));
    this.sweep.unref();
  }

  /** `msgId` is the dedup key (Nats-Msg-Id): publishing the same message twice stores it once. */
  publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    const token = (this.sequence++).toString(36);
    return new Promise<void>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, at: Date.now() });
      this.outgoing.push({ subject, data, msgId, token });
      this.flushing ??= setImmediate(() => this.flush());
    });
  }

  /** Hands this turn's messages to the NATS client in one go, so they share one socket write. */
  private flush(): void {
    this.flushing = undefined;
    const batch = this.outgoing;
    this.outgoing = [];
    for (const { subject, data, msgId, token } of batch) {
      const h = headers();
      h.set('Nats-Msg-Id', msgId);
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}${token}`, headers: h });
      } catch (err) {
        this.fail(token, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  /** Fails whatever still waits for an ack and stops listening. */
  close(): void {
    clearInterval(this.sweep);
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    this.outgoing = [];
    this.subscription.unsubscribe();
    this.failAll(new PublishNotAcknowledged('publisher closed before the stream acknowledged'));
  }

  private settle(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const waiting = this.pending.get(token);
    if (!waiting) return;
    this.pending.delete(token);
    const problem = ackProblem(msg);
    if (problem) waiting.reject(new PublishNotAcknowledged(problem));
    else waiting.resolve();
  }

  /** Map order is insertion order, so the oldest waits come first. */
  private expire(now: number): void {
    for (const [token, waiting] of this.pending) {
      if (now - waiting.at < this.timeoutMs) return;
      this.pending.delete(token);
      waiting.reject(
        new PublishNotAcknowledged(`no ack from the stream within ${this.timeoutMs} ms`),
      );
    }
  }

  private fail(token: string, err: Error): void {
    const waiting = this.pending.get(token);
    this.pending.delete(token);
    waiting?.reject(err);
  }

  private failAll(err: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }
}

/** One decoder for every ack, not one per ack. */
const utf8 = new TextDecoder();

/** Undefined for a stored (or duplicate) message; otherwise why the stream did not take it. */
function ackProblem(msg: Msg): string | undefined {
  if (msg.headers?.code === 503 || msg.data.length === 0)
    return 'no stream listens on this subject';
  try {
    const ack = JSON.parse(utf8.decode(msg.data)) as PubAck;
    if (ack.error) return `stream refused the message: ${ack.error.description ?? ack.error.code}`;
    return ack.stream ? undefined : 'malformed ack from the stream';
  } catch {
    return 'malformed ack from the stream';
  }
}
