import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { insertRows } from '@uptime/persistence';
import type { Monitor, MonitorEventKind } from '@uptime/contracts';
import { randomUUID } from 'node:crypto';
import { MonitorEventEntity } from './monitor-event.entity';

/** The monitor-event outbox, written to; `MonitorEventRelay` reads it. */
@Injectable()
export class MonitorEventRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Writes one event of `kind` per monitor, as they are after the change; called inside the
   * transaction that makes the change (`UnitOfWork.transaction`), so both commit or neither does.
   */
  async record(kind: MonitorEventKind, monitors: readonly Monitor[]): Promise<void> {
    // One statement for all of them: a bulk create records a thousand.
    await insertRows(
      this.em,
      MonitorEventEntity,
      monitors.map((monitor) => monitorEvent(kind, monitor)),
    );
  }
}

function monitorEvent(kind: MonitorEventKind, monitor: Monitor): MonitorEventEntity {
  const event = new MonitorEventEntity();
  event.eventId = randomUUID();
  event.monitorId = monitor.id;
  event.kind = kind;
  event.occurredAt = new Date();
  event.payload = {
    eventId: event.eventId,
    kind,
    monitorId: monitor.id,
    ownerId: monitor.ownerId,
    version: monitor.version,
    occurredAt: event.occurredAt.toISOString(),
    monitor,
  };
  return event;
}
