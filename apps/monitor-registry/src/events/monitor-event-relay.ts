import { LockMode } from '@mikro-orm/core';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ensureStream, NATS_CONNECTION } from '@uptime/bus';
import {
  type Monitor,
  type MonitorChangedEvent,
  type MonitorEventKind,
  MonitorEventStream,
  monitorEventsOf,
  monitorEventSubject,
} from '@uptime/contracts';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import {
  ErrorCode,
  type JetStreamClient,
  type JetStreamManager,
  JSONCodec,
  type NatsConnection,
  NatsError,
} from 'nats';
import { Counter, type Registry } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { MonitorEventEntity } from './monitor-event.entity';

const codec = JSONCodec<MonitorChangedEvent>();
const BATCH = 200;
const SWEEP_MS = 1000;
/** JetStream's error code for a message above the stream's `max_msg_size`. */
const STREAM_MESSAGE_TOO_LARGE = 10054;

/** Adds the event for a change to the unit of work that makes the change. */
export function recordMonitorEvent(
  em: EntityManager,
  kind: MonitorEventKind,
  ownerId: string,
  monitor: Monitor,
): MonitorEventEntity {
  const event = new MonitorEventEntity();
  event.eventId = randomUUID();
  event.monitorId = monitor.id;
  event.kind = kind;
  event.occurredAt = new Date();
  event.payload = {
    eventId: event.eventId,
    kind,
    monitorId: monitor.id,
    ownerId,
    version: monitor.version,
    occurredAt: event.occurredAt.toISOString(),
    monitor,
  };
  em.persist(event);
  return event;
}

/**
 * Moves committed events from the outbox to the MONITOR_EVENTS stream, in commit order. A write
 * kicks it at once; a sweep every second catches what a crash or an outage of NATS left behind.
 * The JetStream message id is the event id, so a re-published event is dropped as a duplicate.
 * An event no message can carry (monitors are bounded well below, so only a monitor stored before
 * the bounds could make one) is dropped, counted and logged: retried, it would hold back every
 * later event forever.
 */
@Injectable()
export class MonitorEventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new RateLimitedLog(new Logger(MonitorEventRelay.name));
  private readonly failures: Counter;
  private readonly dropped: Counter;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    this.failures = new Counter({
      name: 'uptime_registry_event_relay_failures_total',
      help: 'Relay passes that stopped on an event MONITOR_EVENTS did not take (full, or NATS away); the event stays in the outbox and is retried',
      registers: [registry],
    });
    this.dropped = new Counter({
      name: 'uptime_registry_monitor_events_dropped_total',
      help: 'Monitor events too large for one NATS message or the stream, dropped instead of blocking the outbox',
      registers: [registry],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureStream(await this.nc.jetstreamManager(), MonitorEventStream);
    this.timer = setInterval(() => this.kick(), SWEEP_MS);
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
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
      .catch((err: unknown) => {
        this.failures.inc();
        this.log.warn(`relay pass failed, the outbox keeps the events, retrying: ${String(err)}`);
      })
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

  /** Publishes one batch under row locks, so registry replicas never relay the same rows. */
  private async relayBatch(): Promise<number> {
    const js = this.nc.jetstream();
    const jsm = await this.nc.jetstreamManager();
    return this.orm.em.fork().transactional(async (em) => {
      const events = await em
        .createQueryBuilder(MonitorEventEntity)
        .where({ publishedAt: null })
        .orderBy({ seq: 'asc' })
        .limit(BATCH)
        .setLockMode(LockMode.PESSIMISTIC_PARTIAL_WRITE)
        .getResultList();
      for (const event of events) {
        await this.publishOrDrop(js, jsm, event);
        event.publishedAt = new Date();
      }
      return events.length;
    });
  }

  private async publishOrDrop(
    js: JetStreamClient,
    jsm: JetStreamManager,
    event: MonitorEventEntity,
  ): Promise<void> {
    try {
      await publish(js, jsm, event);
    } catch (err) {
      if (!isTooLarge(err)) throw err;
      this.dropped.inc();
      this.log.warn(
        `dropped ${event.kind} event ${event.eventId} of monitor ${event.monitorId}, too large ` +
          `for a message or the stream: ${String(err)}`,
      );
    }
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

/**
 * Publishes one event. A deletion then purges the monitor's earlier events, so the compacted
 * log keeps only its tombstone; a republished deletion (a duplicate) acks with the first
 * one's sequence, so the purge is the same.
 */
async function publish(
  js: JetStreamClient,
  jsm: JetStreamManager,
  event: MonitorEventEntity,
): Promise<void> {
  const ack = await js.publish(
    monitorEventSubject(event.kind, event.monitorId),
    codec.encode(event.payload),
    { msgID: event.eventId },
  );
  if (event.kind !== 'deleted') return;
  await jsm.streams.purge(MonitorEventStream.name, {
    filter: monitorEventsOf(event.monitorId),
    seq: ack.seq,
  });
}
