import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { BusClient } from '@uptime/bus';
import { type Monitor, type MonitorChangedEvent, RegistrySubjects } from '@uptime/contracts';
import { emptyAlertState } from '../incidents/incident-tracker';
import { MonitorAlertStateEntity } from './monitor-alert-state.entity';

export const REGISTRY_CLIENT = Symbol('REGISTRY_CLIENT');

/**
 * The notifier's copy of what it needs of each monitor (name, URL, policy, channels), kept by
 * monitor events and filled from the registry the first time a monitor's result arrives (its
 * events may predate the stream's retention). It never reads the registry's tables.
 */
@Injectable()
export class MonitorProjection {
  constructor(@Inject(REGISTRY_CLIENT) private readonly registry: BusClient) {}

  /** Applies an event; an event older than the stored version changes nothing. */
  async applyEvent(em: EntityManager, event: MonitorChangedEvent): Promise<void> {
    const row = await em.findOne(MonitorAlertStateEntity, { monitorId: event.monitorId });
    if (row && row.version >= event.version) return;
    if (event.kind === 'deleted') {
      if (row) em.remove(row);
      return;
    }
    this.assign(em, row, event.monitor);
  }

  /** The monitor's row, locked for this transaction; fetched from the registry when unknown. */
  async lockOrFetch(
    em: EntityManager,
    monitorId: string,
    ownerId: string,
  ): Promise<MonitorAlertStateEntity | null> {
    const row = await em.findOne(
      MonitorAlertStateEntity,
      { monitorId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (row) return row;
    const monitor = await this.registry
      .request<Monitor>(RegistrySubjects.getMonitor, { ownerId, monitorId })
      .catch(() => undefined);
    if (!monitor) return null;
    const created = this.assign(em, null, monitor);
    await em.flush();
    return created;
  }

  private assign(
    em: EntityManager,
    row: MonitorAlertStateEntity | null,
    monitor: Monitor,
  ): MonitorAlertStateEntity {
    const target = row ?? new MonitorAlertStateEntity();
    target.monitorId = monitor.id;
    target.ownerId = monitor.ownerId;
    target.name = monitor.name;
    target.url = monitor.url;
    target.policy = monitor.alertPolicy;
    target.channelIds = monitor.channelIds;
    target.paused = monitor.paused;
    target.version = monitor.version;
    target.updatedAt = new Date();
    if (!row) {
      target.state = emptyAlertState() as unknown as Record<string, unknown>;
      em.persist(target);
    }
    return target;
  }
}
