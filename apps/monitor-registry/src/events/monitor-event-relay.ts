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
  monitorEventSubject,
} from '@uptime/contracts';
import { type NatsConnection, JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import { MonitorEventEntity } from './monitor-event.entity';

const codec = JSONCodec<MonitorChangedEvent>();
const BATCH = 200;
const SWEEP_MS = 1000;

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
 */
@Injectable()
export class MonitorEventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MonitorEventRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

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
      .catch((err: unknown) => this.logger.warn(`relay pass failed, retrying: ${String(err)}`))
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
    return this.orm.em.fork().transactional(async (em) => {
      const events = await em
        .createQueryBuilder(MonitorEventEntity)
        .where({ publishedAt: null })
        .orderBy({ seq: 'asc' })
        .limit(BATCH)
        .setLockMode(LockMode.PESSIMISTIC_PARTIAL_WRITE)
        .getResultList();
      for (const event of events) {
        await js.publish(monitorEventSubject(event.kind), codec.encode(event.payload), {
          msgID: event.eventId,
        });
        event.publishedAt = new Date();
      }
      return events.length;
    });
  }
}
