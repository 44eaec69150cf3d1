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
 * events may predate the stream's retention). It never reads the registry's tables. The event
 * follower and the result consumer may both meet a new monitor at once: rows are created with
 * "insert, or leave the existing one", then locked, so neither fails on the other's insert.
 */
@Injectable()
export class MonitorProjection {
  constructor(@Inject(REGISTRY_CLIENT) private readonly registry: BusClient) {}

  /** Applies an event; an event older than the stored version changes nothing. */
  async applyEvent(em: EntityManager, event: MonitorChangedEvent): Promise<void> {
    if (event.kind === 'deleted') {
      await em.nativeDelete(MonitorAlertStateEntity, {
        monitorId: event.monitorId,
        version: { $lt: event.version },
      });
      return;
    }
    await this.insertIfMissing(em, event.monitor);
    const row = await this.lock(em, event.monitorId);
    if (!row || row.version >= event.version) return;
    assign(row, event.monitor);
  }

  /** The monitor's row, locked for this transaction; fetched from the registry when unknown. */
  async lockOrFetch(
    em: EntityManager,
    monitorId: string,
    ownerId: string,
  ): Promise<MonitorAlertStateEntity | null> {
    const row = await this.lock(em, monitorId);
    if (row) return row;
    const monitor = await this.registry
      .request<Monitor>(RegistrySubjects.getMonitor, { ownerId, monitorId })
      .catch(() => undefined);
    if (!monitor) return null;
    await this.insertIfMissing(em, monitor);
    return this.lock(em, monitorId);
  }

  /**
   * The rows of several monitors, locked in monitor id order (so two batches never wait on each
   * other in a cycle); monitors not seen before are fetched from the registry, all at once.
   */
  async lockOrFetchMany(
    em: EntityManager,
    owners: Map<string, string>,
  ): Promise<Map<string, MonitorAlertStateEntity>> {
    const rows = new Map(
      (await this.lockMany(em, [...owners.keys()])).map((r) => [r.monitorId, r]),
    );
    const missing = [...owners.keys()].filter((id) => !rows.has(id));
    if (missing.length === 0) return rows;
    const fetched = await Promise.all(
      missing.map((monitorId) =>
        this.registry
          .request<Monitor>(RegistrySubjects.getMonitor, {
            ownerId: owners.get(monitorId),
            monitorId,
          })
          .catch(() => undefined),
      ),
    );
    const known = fetched.filter((m): m is Monitor => m !== undefined);
    if (known.length === 0) return rows;
    await em.upsertMany(MonitorAlertStateEntity, known.map(newRow), {
      onConflictFields: ['monitorId'],
      onConflictAction: 'ignore',
    });
    for (const row of await this.lockMany(
      em,
      known.map((m) => m.id),
    ))
      rows.set(row.monitorId, row);
    return rows;
  }

  private lockMany(em: EntityManager, monitorIds: string[]): Promise<MonitorAlertStateEntity[]> {
    return em.find(
      MonitorAlertStateEntity,
      { monitorId: { $in: monitorIds } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true, orderBy: { monitorId: 'asc' } },
    );
  }

  private lock(em: EntityManager, monitorId: string): Promise<MonitorAlertStateEntity | null> {
    return em.findOne(
      MonitorAlertStateEntity,
      { monitorId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
  }

  private async insertIfMissing(em: EntityManager, monitor: Monitor): Promise<void> {
    await em.upsert(MonitorAlertStateEntity, newRow(monitor), {
      onConflictFields: ['monitorId'],
      onConflictAction: 'ignore',
    });
  }
}

function newRow(monitor: Monitor) {
  return {
    monitorId: monitor.id,
    ownerId: monitor.ownerId,
    name: monitor.name,
    url: monitor.url,
    policy: monitor.alertPolicy,
    channelIds: monitor.channelIds,
    paused: monitor.paused,
    version: monitor.version,
    state: emptyAlertState() as unknown as Record<string, unknown>,
    updatedAt: new Date(),
  };
}

function assign(row: MonitorAlertStateEntity, monitor: Monitor): void {
  row.ownerId = monitor.ownerId;
  row.name = monitor.name;
  row.url = monitor.url;
  row.policy = monitor.alertPolicy;
  row.channelIds = monitor.channelIds;
  row.paused = monitor.paused;
  row.version = monitor.version;
  row.updatedAt = new Date();
}
