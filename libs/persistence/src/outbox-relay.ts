import { type EntityClass, MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  ensureStream,
  JetStreamPublisher,
  NATS_CONNECTION,
  PublishNotAcknowledged,
  STREAM_SIZES,
  type StreamSizes,
} from '@uptime/bus';
import type { StreamDefinition } from '@uptime/contracts';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import { ErrorCode, type NatsConnection, NatsError } from 'nats';
import { Counter, type Registry } from 'prom-client';

const utf8 = new TextEncoder();
/**
 * Rows per relay pass: read as plain rows, published all at once (acks awaited together), then
 * marked with one statement. A bulk import of 150,000 monitors thus takes 150 passes, not
 * 150,000 round trips.
 */
const BATCH = 1000;
const SWEEP_MS = 1000;
/**
 * How long a published row is kept: far past any stream's duplicate window (a row is never
 * published again once marked), long enough to look at what went out lately; then it is deleted,
 * so the table holds about an hour of changes rather than every change ever made.
 */
export const PUBLISHED_RETENTION_MS = 60 * 60 * 1000;
/** Pruning runs on the sweep, at most this often. */
const PRUNE_EVERY_MS = 60 * 1000;
/** JetStream's error code for a message above the stream's `max_msg_size`. */
const STREAM_MESSAGE_TOO_LARGE = 10054;

/**
 * The columns every outbox table has: commit order, the message id, the message (a JSON column)
 * and whether it went out.
 */
export interface OutboxRow {
  seq: string;
  eventId: string;
  payload: unknown;
  publishedAt: Date | null;
}

/**
 * A row as a relay pass reads it: every column but the payload, which is published as the JSON
 * text PostgreSQL stores, never parsed into objects and encoded again.
 */
export type OutboxHeader<R extends OutboxRow> = Omit<R, 'payload'>;

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
 * within the stream's window. A pass publishes its page of rows without waiting for each ack in
 * turn: one connection's messages reach the stream in the order they were sent, so commit order
 * holds; if any publish fails, the pass marks none of its rows and the next pass sends them all
 * again (the stream drops the repeats), so a row is never marked before every earlier one is
 * stored. Passes lock their rows (`FOR UPDATE SKIP LOCKED`), so replicas of
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
  private prunedAt = 0;
  private pageSql?: string;
  private publisher?: JetStreamPublisher;

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

  /** Where a row's message goes; it says the row's `payload`. */
  protected abstract subject(row: OutboxHeader<R>): string;

  /**
   * Runs once the stream stored a row's message (at stream sequence `seq`), before the row is
   * marked published; a throw leaves the row to be published and handled again.
   */
  protected async stored(_row: OutboxHeader<R>, _seq: number): Promise<void> {}

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
    this.publisher?.close();
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
    if (Date.now() - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = Date.now();
    await this.prune();
  }

  /**
   * Deletes the rows published more than `PUBLISHED_RETENTION_MS` before `now`; unpublished rows
   * are never touched. Runs on the sweep once a minute; returns how many rows went.
   */
  async prune(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - PUBLISHED_RETENTION_MS);
    return this.orm.em
      .fork()
      .nativeDelete<OutboxRow>(this.outbox.entity, { publishedAt: { $lt: cutoff } });
  }

  private async relayBatch(): Promise<number> {
    // One reply subscription for every ack, rather than `js.publish`'s request, timer and
    // cancellation error (a stack trace) per row: about a third of the relay's CPU in a bulk
    // import's profile.
    const publisher = (this.publisher ??= new JetStreamPublisher(this.nc));
    return this.orm.em.fork().transactional(async (em) => {
      const sql = em as EntityManager;
      const rows = await sql.execute<(OutboxHeader<R> & { payloadJson: string })[]>(
        this.page(sql),
        [BATCH],
      );
      if (rows.length === 0) return 0;
      // Sent in order, acks awaited together; all settle before a failure is thrown, so no
      // publish of this pass is still in flight when the next pass sends its rows again.
      const sent = await Promise.allSettled(rows.map((row) => this.publishOrDrop(publisher, row)));
      const failure = sent.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failure) throw failure.reason;
      const stored = sent.map((s, i) => ({
        row: rows[i]!,
        seq: (s as PromiseFulfilledResult<number | undefined>).value,
      }));
      await Promise.all(
        stored.filter(({ seq }) => seq !== undefined).map(({ row, seq }) => this.stored(row, seq!)),
      );
      // One statement marks the page, rather than one update per row.
      await em.nativeUpdate<OutboxRow>(
        this.outbox.entity,
        { seq: { $in: rows.map((r) => r.seq) } },
        { publishedAt: new Date() },
      );
      return rows.length;
    });
  }

  /**
   * The next page of unpublished rows, oldest first, locked (`for update skip locked`): plain rows
   * with the entity's property names and the payload as JSON text (`payloadJson`). Hydrating a
   * page of a thousand entities, then parsing and encoding each payload again, took most of a
   * pass.
   */
  private page(em: EntityManager): string {
    if (this.pageSql) return this.pageSql;
    const meta = em.getMetadata().get<R>(this.outbox.entity.name);
    const quote = (name: string) => em.getPlatform().quoteIdentifier(name);
    const column = (name: keyof OutboxRow) =>
      quote(meta.props.find((p) => (p.name as string) === name)!.fieldNames[0]!);
    const schema = meta.schema ?? em.config.get('schema');
    const table = schema ? `${quote(schema)}.${quote(meta.tableName)}` : quote(meta.tableName);
    const header = meta.props
      .filter((p) => p.persist !== false && p.fieldNames?.length === 1 && p.name !== 'payload')
      .map((p) => `${quote(p.fieldNames[0]!)} as ${quote(p.name)}`);
    return (this.pageSql =
      `select ${header.join(', ')}, ${column('payload')}::text as "payloadJson" from ${table}` +
      ` where ${column('publishedAt')} is null order by ${column('seq')} limit ?` +
      ' for update skip locked');
  }

  /** The stream sequence that stored the row's message, or undefined when it was dropped. */
  private async publishOrDrop(
    publisher: JetStreamPublisher,
    row: OutboxHeader<R> & { payloadJson: string },
  ): Promise<number | undefined> {
    const subject = this.subject(row);
    try {
      return await publisher.publish(subject, utf8.encode(row.payloadJson), row.eventId);
    } catch (err) {
      if (!isTooLarge(err)) throw err;
      this.metrics().dropped.inc();
      this.log.warn(
        `dropped event ${row.eventId} on ${subject}, too large for a message or the stream: ${String(err)}`,
      );
      return undefined;
    }
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
  if (err instanceof PublishNotAcknowledged) return err.errCode === STREAM_MESSAGE_TOO_LARGE;
  return err instanceof NatsError && err.code === ErrorCode.MaxPayloadExceeded;
}
