import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { UnitOfWork } from '@uptime/persistence';
import { AlertDeliverer } from '../alerts/alert-deliverer';
import { MonitorAlertStateRepository } from '../monitors/monitor-alert-state.repository';
import { IncidentClock } from './incident-clock';
import { IncidentRecorder } from './incident-recorder';
import { IncidentTracker } from './incident-tracker';
import { RegionWatch } from './region-watch';

const TICK_MS = 1_000;
/** Monitors decided per pass; the rest wait for the next second. */
const PAGE = 500;

/**
 * Decides the slots whose last regions did not answer by their deadline. Each monitor is decided
 * in a transaction of its own that reads the state only after locking the row, and deciding
 * removes the slots from it: a slot is decided once, whichever replica (or restarted process)
 * gets there first, as the reminder clock does for reminders.
 */
@Injectable()
export class SlotClock implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly clock = new IncidentClock(
    'slot',
    TICK_MS,
    () => this.tick(),
    new Logger(SlotClock.name),
  );

  constructor(
    private readonly work: UnitOfWork,
    private readonly monitors: MonitorAlertStateRepository,
    private readonly recorder: IncidentRecorder,
    private readonly deliverer: AlertDeliverer,
    private readonly regionWatch: RegionWatch,
  ) {}

  onApplicationBootstrap(): void {
    this.clock.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.clock.stop();
  }

  /** Decides every slot past its deadline at `now`; answers how many decisions that made. */
  async tick(now = new Date()): Promise<number> {
    const due = await this.work.withOwnIdentityMap(() => this.monitors.dueSlots(now, PAGE));
    let decided = 0;
    for (const monitorId of due) {
      decided += await this.work.transaction(async () => {
        const row = await this.monitors.lock(monitorId);
        if (!row) return 0;
        if (row.paused) {
          // A paused monitor is not judged; its waiting slots are dropped with it.
          row.state = { ...row.state, pendingSlots: [], heldSlots: [] };
          row.slotDeadlineAt = null;
          return 0;
        }
        // Held slots are released with the region judgement made now, from the stored evidence.
        const released = (row.state.heldSlots ?? []).filter(
          (s) => Date.parse(s.releaseAt) <= now.getTime(),
        );
        const cut =
          released.length > 0 ? await this.regionWatch.judgeHeld(released, now) : undefined;
        const plan = this.recorder.planOf(row, cut);
        const evaluation = IncidentTracker.decideDueSlots(row.state, row.policy, now, plan);
        const decisions = await this.recorder.store(row, evaluation, now);
        return decisions.filter((d) => d.type !== 'slotObserved').length + released.length;
      });
    }
    if (decided > 0) this.deliverer.kick();
    return decided;
  }
}
