import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NATS_CONNECTION } from '@uptime/bus';
import {
  type Monitor,
  type MonitorEventKind,
  MonitorEventStream,
  monitorEventsOf,
  monitorEventSubject,
} from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import { OutboxRelay } from '@uptime/persistence';
import type { JetStreamManager, NatsConnection } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { MonitorEventEntity } from './monitor-event.entity';

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
 * Relays the monitor-event outbox to the MONITOR_EVENTS stream (see `OutboxRelay`). A deletion
 * then purges the monitor's earlier events, so the compacted log keeps only its tombstone; a
 * republished deletion (a duplicate) acks with the first one's sequence, so the purge is the same.
 * An event no message can carry (monitors are bounded well below, so only a monitor stored before
 * the bounds could make one) is dropped, counted and logged.
 */
@Injectable()
export class MonitorEventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay<MonitorEventEntity>;
  private jsm?: Promise<JetStreamManager>;

  constructor(
    orm: MikroORM,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(TELEMETRY) telemetry: Registry,
  ) {
    this.relay = new OutboxRelay(orm, nc, {
      name: MonitorEventRelay.name,
      entity: MonitorEventEntity,
      stream: MonitorEventStream,
      message: (event) => ({
        subject: monitorEventSubject(event.kind, event.monitorId),
        payload: event.payload,
      }),
      stored: (event, seq) => this.compact(event, seq),
      failures: new Counter({
        name: 'uptime_registry_event_relay_failures_total',
        help: 'Relay passes that stopped on an event MONITOR_EVENTS did not take (full, or NATS away); the event stays in the outbox and is retried',
        registers: [telemetry],
      }),
      dropped: new Counter({
        name: 'uptime_registry_monitor_events_dropped_total',
        help: 'Monitor events too large for one NATS message or the stream, dropped instead of blocking the outbox',
        registers: [telemetry],
      }),
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.relay.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.relay.stop();
  }

  /** Asks for a relay pass now, after a commit that recorded events. */
  kick(): void {
    this.relay.kick();
  }

  private async compact(event: MonitorEventEntity, seq: number): Promise<void> {
    if (event.kind !== 'deleted') return;
    this.jsm ??= this.nc.jetstreamManager();
    await (
      await this.jsm
    ).streams.purge(MonitorEventStream.name, {
      filter: monitorEventsOf(event.monitorId),
      seq,
    });
  }
}
