import { type EntityClass, LockMode, MikroORM } from '@mikro-orm/core';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ensureStream, NATS_CONNECTION, STREAM_SIZES, type StreamSizes } from '@uptime/bus';
import type { StreamDefinition } from '@uptime/contracts';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import { ErrorCode, JSONCodec, type JetStreamClient, type NatsConnection, NatsError } from 'nats';
import { Counter, type Registry } from 'prom-client';

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

/** What tells one app's outbox from another's. */
export interface OutboxDefinition<R extends OutboxRow> {
  entity: EntityClass<R>;
  stream: StreamDefinition;
  /** Counts relay passes that stopped on a row the stream did not take (NATS away, stream full). */
  failuresMetric: string;
  /** Counts rows dropped as too large for a NATS message or the stream. */
  droppedMetric: string;
}

/**
 * Moves committed facts from an outbox table to a JetStream stream, in commit order. A write
 * kicks it at once; a sweep every second catches what a crash or an outage of NATS left behind.
 * The JetStream message id is the event id, so a re-published event is dropped as a duplicate
 * within the stream's window. Passes lock their rows (`FOR UPDATE SKIP LOCKED`), so replicas of
 * one app never relay the same rows at the same time. A row no message can carry is dropped,
 * counted and logged: retried, it would hold back every later row forever.
 *
 * An app's relay is a provider that extends this with its `outbox` and `message`, and nothing
 * else it needs: the database, NATS and the app's metrics registry are injected here. It starts
 * with the app and stops, after its pass in progress, when the app closes.
 */
@Injectable()
export abstract class OutboxRelay<R extends OutboxRow>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  /** A field of the subclass, so read only once construction is over. */
  protected abstract readonly outbox: OutboxDefinition<R>;
  private readonly logger: Logger;
  private readonly log: RateLimitedLog;
  private counters?: { failures: Counter; dropped: Counter };
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  /** Set by a failed pass, so the end of an outage is logged once. */
  private failing = false;

  constructor(
    private readonly orm: MikroORM,
    @Inject(NATS_CONNECTION) protected readonly nc: NatsConnection,
    @Inject(TELEMETRY) private readonly telemetry: Registry,
    // The app's configured sizes: the relay creates (or updates) the stream at its size.
    @Optional() @Inject(STREAM_SIZES) private readonly streamSizes: StreamSizes = {},
  ) {
    this.logger = new Logger(new.target.name);
    this.log = new RateLimitedLog(this.logger);
  }

  /** Where a row goes and what it says. */
  protected abstract message(row: R): { subject: string; payload: unknown };

  /**
   * Runs once the stream stored a row's message (at stream sequence `seq`), before the row is
   * marked published; a throw leaves the row to be published and handled again.
   */
  protected async stored(_row: R, _seq: number): Promise<void> {}

  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  async start(): Promise<void> {
    this.metrics();
    await ensureStream(await this.nc.jetstreamManager(), this.outbox.stream, this.streamSizes);
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
        this.outbox.entity,
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
    const { subject, payload } = this.message(row);
    let seq: number;
    try {
      seq = (await js.publish(subject, codec.encode(payload), { msgID: row.eventId })).seq;
    } catch (err) {
      if (!isTooLarge(err)) throw err;
      this.metrics().dropped.inc();
      this.log.warn(
        `dropped event ${row.eventId} on ${subject}, too large for a message or the stream: ${String(err)}`,
      );
      return;
    }
    await this.stored(row, seq);
  }

  private failed(err: unknown): void {
    this.metrics().failures.inc();
    this.failing = true;
    this.log.warn(`relay pass failed, the outbox keeps the rows, retrying: ${String(err)}`);
  }

  /** Made on first use: the subclass's `outbox` does not exist while this constructor runs. */
  private metrics(): { failures: Counter; dropped: Counter } {
    const { stream, failuresMetric, droppedMetric } = this.outbox;
    return (this.counters ??= {
      failures: new Counter({
        name: failuresMetric,
        help: `Relay passes that stopped on an event ${stream.name} did not take (NATS away, stream full); the event stays in the outbox and is retried`,
        registers: [this.telemetry],
      }),
      dropped: new Counter({
        name: droppedMetric,
        help: `Events too large for one NATS message or ${stream.name}, dropped instead of blocking the outbox`,
        registers: [this.telemetry],
      }),
    });
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
