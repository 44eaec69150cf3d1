import type { Monitor } from '@uptime/contracts';
import { DueQueue } from './due-queue';
import { nextSlot } from './slots';

/** A monitor due now, at the slot it was due for. */
export interface DueCheck {
  monitor: Monitor;
  slotMs: number;
  /**
   * The monitor's slots before this one that were reached a whole interval or more after they
   * were due (the scheduler was stalled or starved): not checked, to be recorded as missed.
   */
  missedSlots: number[];
  /** How many slots were missed; more than `missedSlots` lists after a very long stall. */
  missedCount: number;
}

/** Missed slots listed per monitor and stall; beyond this only their count is kept. */
export const MAX_MISSED_LISTED = 100;

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

  /** The probed (not heartbeat) monitors: a partition taken over catches up on their late slots. */
  *probed(): IterableIterator<Monitor> {
    for (const monitor of this.monitors.values()) if (!this.pushed.has(monitor.id)) yield monitor;
  }

  nextDueAt(): number | undefined {
    return this.queue.peek();
  }

  /**
   * Takes every check due by `now` and books each monitor's following slot: always the next of
   * its sequence, never one after `now`, so a scheduler that falls behind delays every monitor
   * alike. A slot reached a whole interval late or more is not run (its successor is already
   * due) but listed as missed; slots come out in due order across monitors, so misses, too, fall
   * on every monitor alike.
   */
  takeDue(now: number): DueCheck[] {
    const due: DueCheck[] = [];
    for (const { key, dueAt } of this.queue.popDue(now)) {
      const monitor = this.monitors.get(key);
      if (!monitor) continue;
      const intervalMs = monitor.intervalSeconds * 1000;
      const skipped = Math.floor((now - dueAt) / intervalMs);
      const slotMs = dueAt + skipped * intervalMs;
      const missedSlots: number[] = [];
      for (let i = Math.max(0, skipped - MAX_MISSED_LISTED); i < skipped; i++)
        missedSlots.push(dueAt + i * intervalMs);
      due.push({ monitor, slotMs, missedSlots, missedCount: skipped });
      this.queue.set(key, slotMs + intervalMs);
    }
    return due;
  }
}
