import { Inject, Injectable } from '@nestjs/common';
import { BusClient } from '@uptime/bus';
import { type Monitor, type MonitorChangedEvent, RegistrySubjects } from '@uptime/contracts';
import { emptyAlertState } from '../incidents/incident-tracker';
import type { MonitorAlertStateEntity } from './monitor-alert-state.entity';
import {
  MonitorAlertStateRepository,
  type MonitorAlertStateRow,
} from './monitor-alert-state.repository';

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
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: BusClient,
    private readonly rows: MonitorAlertStateRepository,
  ) {}

  /**
   * Applies a batch of events (in stream order) in the caller's transaction, with a few
   * statements for the whole batch rather than a few per event. Each event carries the whole
   * monitor and versions grow with every change, so only each monitor's newest event matters:
   * applying the older ones first would end in the same row.
   */
  async applyEvents(events: readonly MonitorChangedEvent[]): Promise<void> {
    const { rows } = this;
    const newest = newestPerMonitor(events);
    const deleted = newest.filter((e) => e.kind === 'deleted');
    // Inserted in monitor id order, the order rows are locked in: fewer waits in a cycle.
    const kept = newest
      .filter((e) => e.kind !== 'deleted')
      .sort((a, b) => (a.monitorId < b.monitorId ? -1 : a.monitorId > b.monitorId ? 1 : 0));
    await rows.deleteManyBefore(
      deleted.map((e) => ({ monitorId: e.monitorId, version: e.version })),
    );
    if (kept.length === 0) return;
    // A row inserted here is the event's monitor already (and held by this transaction until it
    // ends): only rows stored before need reading and, if older, changing.
    const inserted = await rows.insertMissing(kept.map((e) => newRow(e.monitor)));
    const stored = kept.filter((e) => !inserted.has(e.monitorId));
    if (stored.length === 0) return;
    const locked = new Map(
      (await rows.lockMany(stored.map((e) => e.monitorId))).map((r) => [r.monitorId, r]),
    );
    for (const event of stored) {
      const row = locked.get(event.monitorId);
      if (row && row.version < event.version) assign(row, event.monitor);
    }
  }

  /**
   * The rows of several monitors, locked in monitor id order (so two batches never wait on each
   * other in a cycle), until the caller's transaction ends; monitors not seen before are fetched
   * from the registry, all at once.
   */
  async lockOrFetchMany(
    owners: Map<string, string>,
  ): Promise<Map<string, MonitorAlertStateEntity>> {
    const { rows } = this;
    const locked = new Map((await rows.lockMany([...owners.keys()])).map((r) => [r.monitorId, r]));
    const missing = [...owners].filter(([monitorId]) => !locked.has(monitorId));
    if (missing.length === 0) return locked;
    const fetched = await Promise.all(
      missing.map(([monitorId, ownerId]) =>
        this.registry
          .request(RegistrySubjects.getMonitor, { ownerId, monitorId })
          .catch(() => undefined),
      ),
    );
    const known = fetched.filter((m): m is Monitor => m !== undefined);
    if (known.length > 0) {
      await rows.insertMissing(known.map(newRow));
      for (const row of await rows.lockMany(known.map((m) => m.id))) locked.set(row.monitorId, row);
    }
    await this.fillRegions([...locked.values()].filter((r) => r.regions === null));
    return locked;
  }

  /**
   * Rows projected before regions were: asked of the registry once (a row it cannot tell about
   * stays as it is and is judged per result until its monitor's next event).
   */
  private async fillRegions(rows: MonitorAlertStateEntity[]): Promise<void> {
    await Promise.all(
      rows.map(async (row) => {
        const monitor = await this.registry
          .request(RegistrySubjects.getMonitor, { ownerId: row.ownerId, monitorId: row.monitorId })
          .catch(() => undefined);
        if (!monitor) return;
        row.regions = monitor.regions;
        row.timeoutMs = monitor.timeoutMs;
      }),
    );
  }
}

/** Each monitor's event of the highest version, in the order the monitors first appear. */
export function newestPerMonitor(events: readonly MonitorChangedEvent[]): MonitorChangedEvent[] {
  const newest = new Map<string, MonitorChangedEvent>();
  for (const event of events) {
    const held = newest.get(event.monitorId);
    if (!held || held.version < event.version) newest.set(event.monitorId, event);
  }
  return [...newest.values()];
}

function newRow(monitor: Monitor): MonitorAlertStateRow {
  return {
    monitorId: monitor.id,
    ownerId: monitor.ownerId,
    name: monitor.name,
    url: monitor.url,
    policy: monitor.alertPolicy,
    channelIds: monitor.channelIds,
    paused: monitor.paused,
    version: monitor.version,
    state: emptyAlertState(),
    updatedAt: new Date(),
    regions: monitor.regions,
    timeoutMs: monitor.timeoutMs,
    slotDeadlineAt: null,
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
  row.regions = monitor.regions;
  row.timeoutMs = monitor.timeoutMs;
  row.updatedAt = new Date();
}
