import { Injectable } from '@nestjs/common';
import { channelDeletedSubject, ChannelEventStream } from '@uptime/contracts';
import { type OutboxHeader, OutboxRelay } from '@uptime/persistence';
import { ChannelEventEntity } from './channel-event.entity';

/** Relays the channel-event outbox to the CHANNEL_EVENTS stream (see `OutboxRelay`). */
@Injectable()
export class ChannelEventRelay extends OutboxRelay<ChannelEventEntity> {
  protected readonly outbox = {
    entity: ChannelEventEntity,
    stream: ChannelEventStream,
    failuresMetric: 'uptime_notifier_channel_event_relay_failures_total',
    droppedMetric: 'uptime_notifier_channel_events_dropped_total',
  };

  protected subject(event: OutboxHeader<ChannelEventEntity>): string {
    return channelDeletedSubject(event.channelId);
  }
}
