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
   * Applies an event, in the caller's transaction; an event older than the stored version
   * changes nothing.
   */
  async applyEvent(event: MonitorChangedEvent): Promise<void> {
    const { rows } = this;
    if (event.kind === 'deleted') {
      await rows.deleteBefore(event.monitorId, event.version);
      return;
    }
    await rows.insertMissing([newRow(event.monitor)]);
    const row = await rows.lock(event.monitorId);
    if (!row || row.version >= event.version) return;
    assign(row, event.monitor);
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
