import type { Monitor } from '@uptime/contracts';
import { DueQueue } from './due-queue';
import { nextSlot } from './slots';

/** A monitor due now, at the slot it was due for. */
export interface DueCheck {
  monitor: Monitor;
  slotMs: number;
}

/**
 * Which monitor runs when: every active monitor with its next slot, in memory. The registry
 * snapshot and the monitor-changed stream keep it current; it never polls a database.
 */
export class Schedule {
  private readonly monitors = new Map<string, Monitor>();
  private readonly queue = new DueQueue();
  /** Active heartbeat monitors: pinged, never probed, so they have no slots (see DeadlineKeeper). */
  private readonly pushed = new Map<string, Monitor>();

  get size(): number {
    return this.monitors.size;
  }

  version(monitorId: string): number | undefined {
    return this.monitors.get(monitorId)?.version;
  }

  /** Adds or replaces a monitor; a paused one leaves the schedule. Keeps the slot if the interval is unchanged. */
  upsert(monitor: Monitor, now: number): void {
    if (monitor.paused) return this.remove(monitor.id);
    if (monitor.type === 'heartbeat') {
      this.remove(monitor.id);
      this.monitors.set(monitor.id, monitor);
      this.pushed.set(monitor.id, monitor);
      return;
    }
    const previous = this.monitors.get(monitor.id);
    this.monitors.set(monitor.id, monitor);
    if (previous && !previous.paused && previous.intervalSeconds === monitor.intervalSeconds)
      return;
    this.queue.set(monitor.id, nextSlot(monitor.id, monitor.intervalSeconds * 1000, now));
  }

  remove(monitorId: string): void {
    this.monitors.delete(monitorId);
    this.queue.delete(monitorId);
    this.pushed.delete(monitorId);
  }

  /** The active heartbeat monitors, whose deadlines the DeadlineKeeper watches. */
  heartbeats(): IterableIterator<Monitor> {
    return this.pushed.values();
  }

  nextDueAt(): number | undefined {
    return this.queue.peek();
  }

  /** Takes every check due by `now` and books each monitor's following slot. */
  takeDue(now: number): DueCheck[] {
    const due: DueCheck[] = [];
    for (const { key, dueAt } of this.queue.popDue(now)) {
      const monitor = this.monitors.get(key);
      if (!monitor) continue;
      due.push({ monitor, slotMs: dueAt });
      this.queue.set(key, nextSlot(key, monitor.intervalSeconds * 1000, Math.max(dueAt, now)));
    }
    return due;
  }
}
