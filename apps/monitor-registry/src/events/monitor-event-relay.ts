import { Injectable } from '@nestjs/common';
import { MonitorEventStream, monitorEventsOf, monitorEventSubject } from '@uptime/contracts';
import { type OutboxHeader, OutboxRelay } from '@uptime/persistence';
import type { JetStreamManager } from 'nats';
import { MonitorEventEntity } from './monitor-event.entity';

/**
 * Relays the monitor-event outbox to the MONITOR_EVENTS stream (see `OutboxRelay`). A deletion
 * then purges the monitor's earlier events, so the compacted log keeps only its tombstone; a
 * republished deletion (a duplicate) acks with the first one's sequence, so the purge is the same.
 * An event no message can carry (monitors are bounded well below, so only a monitor stored before
 * the bounds could make one) is dropped, counted and logged.
 */
@Injectable()
export class MonitorEventRelay extends OutboxRelay<MonitorEventEntity> {
  protected readonly outbox = {
    entity: MonitorEventEntity,
    stream: MonitorEventStream,
    failuresMetric: 'uptime_registry_event_relay_failures_total',
    droppedMetric: 'uptime_registry_monitor_events_dropped_total',
  };
  private jsm?: Promise<JetStreamManager>;

  protected subject(event: OutboxHeader<MonitorEventEntity>): string {
    return monitorEventSubject(event.kind, event.monitorId);
  }

  protected override async stored(
    event: OutboxHeader<MonitorEventEntity>,
    seq: number,
  ): Promise<void> {
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
