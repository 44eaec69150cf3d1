import { type EntityClass, LockMode, MikroORM } from '@mikro-orm/core';
import { Logger } from '@nestjs/common';
import { ensureStream } from '@uptime/bus';
import type { StreamDefinition } from '@uptime/contracts';
import { RateLimitedLog } from '@uptime/health';
import { ErrorCode, JSONCodec, type JetStreamClient, type NatsConnection, NatsError } from 'nats';
import type { Counter } from 'prom-client';

const codec = JSONCodec<unknown>();
const BATCH = 200;
const SWEEP_MS = 1000;
/** JetStream's error code for a message above the stream's `max_msg_size`. */
const STREAM_MESSAGE_TOO_LARGE = 10054;

/** The columns every outbox table has: commit order, the message id, and whether it went out. */
export interface OutboxRow {
  seq: string;
  eventId: string;
  publishedAt: Date | null;
}

export interface OutboxOptions<R extends OutboxRow> {
  /** Named in logs. */
  name: string;
  entity: EntityClass<R>;
  stream: StreamDefinition;
  /** Where a row goes and what it says. */
  message(row: R): { subject: string; payload: unknown };
  /**
   * Runs once the stream stored a row's message (at stream sequence `seq`), before the row is
   * marked published; a throw leaves the row to be published and handled again.
   */
  stored?(row: R, seq: number): Promise<void>;
  /** Counts relay passes that stopped on a row the stream did not take (NATS away, stream full). */
  failures: Counter;
  /** Counts rows dropped as too large for a NATS message or the stream. */
  dropped: Counter;
}

/**
 * Moves committed facts from an outbox table to a JetStream stream, in commit order. A write
 * kicks it at once; a sweep every second catches what a crash or an outage of NATS left behind.
 * The JetStream message id is the event id, so a re-published event is dropped as a duplicate
 * within the stream's window. Passes lock their rows (`FOR UPDATE SKIP LOCKED`), so replicas of
 * one app never relay the same rows at the same time. A row no message can carry is dropped,
 * counted and logged: retried, it would hold back every later row forever.
 */
export class OutboxRelay<R extends OutboxRow> {
  private readonly logger: Logger;
  private readonly log: RateLimitedLog;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  /** Set by a failed pass, so the end of an outage is logged once. */
  private failing = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly nc: NatsConnection,
    private readonly options: OutboxOptions<R>,
  ) {
    this.logger = new Logger(options.name);
    this.log = new RateLimitedLog(this.logger);
  }

  async start(): Promise<void> {
    await ensureStream(await this.nc.jetstreamManager(), this.options.stream);
    this.timer = setInterval(() => this.kick(), SWEEP_MS);
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Asks for a relay pass; passes never overlap, and a kick during one schedules another. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .then(() => this.recovered())
      .catch((err: unknown) => this.failed(err))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && (await this.relayBatch()) === BATCH);
  }

  private async relayBatch(): Promise<number> {
    const js = this.nc.jetstream();
    return this.orm.em.fork().transactional(async (em) => {
      // Queried through the columns every outbox has; the rows are the app's own entities.
      const rows = (await em.find<OutboxRow>(
        this.options.entity,
        { publishedAt: null },
        { orderBy: { seq: 'asc' }, limit: BATCH, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
      )) as R[];
      for (const row of rows) {
        await this.publishOrDrop(js, row);
        row.publishedAt = new Date();
      }
      return rows.length;
    });
  }

  private async publishOrDrop(js: JetStreamClient, row: R): Promise<void> {
    const { subject, payload } = this.options.message(row);
    let seq: number;
    try {
      seq = (await js.publish(subject, codec.encode(payload), { msgID: row.eventId })).seq;
    } catch (err) {
      if (!isTooLarge(err)) throw err;
      this.options.dropped.inc();
      this.log.warn(
        `dropped event ${row.eventId} on ${subject}, too large for a message or the stream: ${String(err)}`,
      );
      return;
    }
    await this.options.stored?.(row, seq);
  }

  private failed(err: unknown): void {
    this.options.failures.inc();
    this.failing = true;
    this.log.warn(`relay pass failed, the outbox keeps the rows, retrying: ${String(err)}`);
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log('relay passes succeed again');
  }
}

/** Too large for the server (max_payload) or for the stream (max_msg_size): retrying cannot help. */
function isTooLarge(err: unknown): boolean {
  if (!(err instanceof NatsError)) return false;
  return (
    err.code === ErrorCode.MaxPayloadExceeded ||
    err.jsError()?.err_code === STREAM_MESSAGE_TOO_LARGE
  );
}
