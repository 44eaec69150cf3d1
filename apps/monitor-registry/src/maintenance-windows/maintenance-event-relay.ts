import { Injectable } from '@nestjs/common';
import { MaintenanceEventStream, maintenanceEventSubject } from '@uptime/contracts';
import { type OutboxHeader, OutboxRelay } from '@uptime/persistence';
import { MaintenanceEventEntity } from './maintenance-event.entity';

/**
 * Relays the maintenance outbox to MAINTENANCE_EVENTS (see `OutboxRelay`): one subject per
 * window, so the stream keeps each window's latest state, its deletion included.
 */
@Injectable()
export class MaintenanceEventRelay extends OutboxRelay<MaintenanceEventEntity> {
  protected readonly outbox = {
    entity: MaintenanceEventEntity,
    stream: MaintenanceEventStream,
    failuresMetric: 'uptime_registry_maintenance_event_relay_failures_total',
    droppedMetric: 'uptime_registry_maintenance_events_dropped_total',
  };

  protected subject(event: OutboxHeader<MaintenanceEventEntity>): string {
    return maintenanceEventSubject(event.windowId);
  }
}
