import { type Context, context } from '@opentelemetry/api';
import {
  createInbox,
  Events,
  headers,
  type Msg,
  type NatsConnection,
  type Subscription,
} from 'nats';
import { withTraceContext } from './trace-headers';

interface Pending {
  /** With the stream sequence that stored the message (a duplicate's: the first one's). */
  resolve(seq: number): void;
  reject(err: Error): void;
  at: number;
}

/** A message waiting for the end of the event-loop turn to be written with the others. */
interface Outgoing {
  subject: string;
  data: Uint8Array;
  msgId: string;
  token: string;
  /** The publisher's trace context: the message is sent a turn later, outside it. */
  trace: Context;
  expectEmptySubject: boolean;
}

export interface PublisherOptions {
  /** How long a message may wait for the stream's ack before its publish fails. */
  timeoutMs?: number;
  /**
   * Fail a publish at once while the connection is down, instead of leaving it in the NATS
   * client's reconnect buffer. That buffer is sent on reconnect, after the publish has already
   * failed here (no ack within the timeout): right for a message that is safe to store late (a
   * result, deduplicated by its id), wrong for a probe job, which the scheduler has by then kept
   * for another try and which would take the place of a newer slot's job in the queue.
   */
  refuseWhileDisconnected?: boolean;
}

export interface PublishOptions {
  /**
   * Only if the subject holds no message now (`Nats-Expected-Last-Subject-Sequence: 0`);
   * otherwise the publish fails with `PublishNotAcknowledged.subjectNotEmpty` set.
   */
  expectEmptySubject?: boolean;
}

/** JetStream's error code for a failed expectation on the subject's last sequence. */
const WRONG_LAST_SEQUENCE = 10071;

interface PubAck {
  stream?: string;
  seq?: number;
  error?: { code?: number; err_code?: number; description?: string };
}

/** The stream did not take the message (no stream, stream full, timeout): publish again later. */
export class PublishNotAcknowledged extends Error {
  constructor(
    message: string,
    /** The subject held a message where the publish expected none (see PublishOptions). */
    readonly subjectNotEmpty = false,
    /** JetStream's error code when the stream refused the message (10054: above its max_msg_size). */
    readonly errCode?: number,
  ) {
    super(message);
    this.name = 'PublishNotAcknowledged';
  }
}

/**
 * The one answer to a publish into a subject that was not empty. A platform behind its schedule
 * has this answer for most jobs of a pass: an error built for each (its stack captured, its
 * message formatted) was the scheduler's largest cost of falling behind. It carries no stack of
 * the caller anyway (it is made where the stream's ack arrives).
 */
const SUBJECT_NOT_EMPTY = new PublishNotAcknowledged(
  'stream refused the message: the subject already holds a message',
  true,
  WRONG_LAST_SEQUENCE,
);

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
  private readonly timeoutMs: number;
  private sequence = 0;
  private outgoing: Outgoing[] = [];
  private flushing?: NodeJS.Immediate;
  /** Only followed with `refuseWhileDisconnected`. */
  private disconnected = false;

  constructor(
    private readonly nc: NatsConnection,
    { timeoutMs = 5000, refuseWhileDisconnected = false }: PublisherOptions = {},
  ) {
    this.timeoutMs = timeoutMs;
    this.subscription = nc.subscribe(`${this.prefix}*`, {
      callback: (_err, msg) => this.settle(msg),
    });
    this.sweep = setInterval(() => this.expire(Date.now()), Math.min(1000, timeoutMs));
    this.sweep.unref();
    if (refuseWhileDisconnected) void this.followConnection();
  }

  /** Ends with the connection. */
  private async followConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === Events.Disconnect) this.disconnected = true;
      else if (status.type === Events.Reconnect) this.disconnected = false;
    }
  }

  /**
   * `msgId` is the dedup key (Nats-Msg-Id): publishing the same message twice stores it once.
   * Resolves with the stream sequence that stored it (a duplicate's: the first one's).
   */
  publish(
    subject: string,
    data: Uint8Array,
    msgId: string,
    options: PublishOptions = {},
  ): Promise<number> {
    const token = (this.sequence++).toString(36);
    const expectEmptySubject = options.expectEmptySubject === true;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, at: Date.now() });
      this.outgoing.push({
        subject,
        data,
        msgId,
        token,
        trace: context.active(),
        expectEmptySubject,
      });
      this.flushing ??= setImmediate(() => this.flush());
    });
  }

  /** Hands this turn's messages to the NATS client in one go, so they share one socket write. */
  private flush(): void {
    this.flushing = undefined;
    const batch = this.outgoing;
    this.outgoing = [];
    if (this.disconnected) {
      const down = new PublishNotAcknowledged('NATS is disconnected: not buffered for later');
      for (const { token } of batch) this.fail(token, down);
      return;
    }
    for (const { subject, data, msgId, token, trace, expectEmptySubject } of batch) {
      const h = headers();
      h.set('Nats-Msg-Id', msgId);
      if (expectEmptySubject) h.set('Nats-Expected-Last-Subject-Sequence', '0');
      withTraceContext(h, trace);
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
    const ack = ackOf(msg);
    if (!('problem' in ack)) waiting.resolve(ack.seq);
    else if (ack.subjectNotEmpty === true) waiting.reject(SUBJECT_NOT_EMPTY);
    else waiting.reject(new PublishNotAcknowledged(ack.problem, false, ack.errCode));
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

type Ack = { seq: number } | { problem: string; subjectNotEmpty?: boolean; errCode?: number };

/** The sequence of a stored (or duplicate) message; otherwise why the stream did not take it. */
function ackOf(msg: Msg): Ack {
  if (msg.headers?.code === 503 || msg.data.length === 0)
    return { problem: 'no stream listens on this subject' };
  try {
    const ack = JSON.parse(utf8.decode(msg.data)) as PubAck;
    if (ack.error)
      return {
        problem: `stream refused the message: ${ack.error.description ?? ack.error.code}`,
        subjectNotEmpty: ack.error.err_code === WRONG_LAST_SEQUENCE,
        errCode: ack.error.err_code,
      };
    return ack.stream && typeof ack.seq === 'number'
      ? { seq: ack.seq }
      : { problem: 'malformed ack from the stream' };
  } catch {
    return { problem: 'malformed ack from the stream' };
  }
}
