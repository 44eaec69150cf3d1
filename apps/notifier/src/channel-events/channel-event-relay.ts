import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { channelDeletedSubject, ChannelEventStream } from '@uptime/contracts';
import { OutboxRelay } from '@uptime/persistence';
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
export class ChannelEventRelay extends OutboxRelay<ChannelEventEntity> {
  protected readonly outbox = {
    entity: ChannelEventEntity,
    stream: ChannelEventStream,
    failuresMetric: 'uptime_notifier_channel_event_relay_failures_total',
    droppedMetric: 'uptime_notifier_channel_events_dropped_total',
  };

  protected message(event: ChannelEventEntity) {
    return { subject: channelDeletedSubject(event.channelId), payload: event.payload };
  }
}
