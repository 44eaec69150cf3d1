import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NATS_CONNECTION } from '@uptime/bus';
import { channelDeletedSubject, ChannelEventStream } from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import { OutboxRelay } from '@uptime/persistence';
import type { NatsConnection } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { ChannelEventEntity } from './channel-event.entity';

/** Adds "this channel was deleted" to the unit of work that deletes it. */
export function recordChannelDeleted(
  em: EntityManager,
  channel: { id: string; ownerId: string },
): ChannelEventEntity {
  const event = new ChannelEventEntity();
  event.eventId = randomUUID();
  event.channelId = channel.id;
  event.occurredAt = new Date();
  event.payload = {
    eventId: event.eventId,
    kind: 'deleted',
    channelId: channel.id,
    ownerId: channel.ownerId,
    occurredAt: event.occurredAt.toISOString(),
  };
  em.persist(event);
  return event;
}

/** Relays the channel-event outbox to the CHANNEL_EVENTS stream (see `OutboxRelay`). */
@Injectable()
export class ChannelEventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay<ChannelEventEntity>;

  constructor(
    orm: MikroORM,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(TELEMETRY) telemetry: Registry,
  ) {
    this.relay = new OutboxRelay(orm, nc, {
      name: ChannelEventRelay.name,
      entity: ChannelEventEntity,
      stream: ChannelEventStream,
      message: (event) => ({
        subject: channelDeletedSubject(event.channelId),
        payload: event.payload,
      }),
      failures: new Counter({
        name: 'uptime_notifier_channel_event_relay_failures_total',
        help: 'Relay passes that stopped on a channel event CHANNEL_EVENTS did not take (NATS away, stream full); the event stays in the outbox and is retried',
        registers: [telemetry],
      }),
      dropped: new Counter({
        name: 'uptime_notifier_channel_events_dropped_total',
        help: 'Channel events too large for one NATS message or the stream, dropped instead of blocking the outbox',
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

  /** Asks for a relay pass now, after a commit that recorded a channel event. */
  kick(): void {
    this.relay.kick();
  }
}
