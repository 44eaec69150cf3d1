import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AlertDeliverer } from '../alerts/alert-deliverer';
import { UnitOfWork } from '@uptime/persistence';
import { AlertOutbox } from '../alerts/alert-outbox';
import { MonitorAlertStateRepository } from '../monitors/monitor-alert-state.repository';
import { IncidentRepository } from './incident.repository';
import { IncidentTracker } from './incident-tracker';

const TICK_MS = 15_000;

/**
 * Re-notifies every `renotifyMinutes` while an incident stays open. Each incident is reminded in
 * a transaction of its own that reads the incident only after locking its monitor, so replicas
 * never remind one twice.
 */
@Injectable()
export class ReminderClock implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReminderClock.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly work: UnitOfWork,
    private readonly incidents: IncidentRepository,
    private readonly monitors: MonitorAlertStateRepository,
    private readonly outbox: AlertOutbox,
    private readonly deliverer: AlertDeliverer,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .catch((err: unknown) => this.logger.warn(`reminder pass failed: ${String(err)}`))
        .finally(() => (this.running = undefined));
    }, TICK_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async tick(now = new Date()): Promise<number> {
    const open = await this.work.withOwnIdentityMap(() => this.incidents.listOpen());
    let reminded = 0;
    for (const { id, monitorId } of open) {
      reminded += await this.work.transaction(async () => {
        const monitor = await this.monitors.lock(monitorId);
        if (!monitor || monitor.paused || monitor.policy.renotifyMinutes === null) return 0;
        // Reminders repeat the availability incident; a certificate incident is told once.
        if (monitor.state.incident?.id !== id) return 0;
        const evaluation = IncidentTracker.remind(monitor.state, monitor.policy, now);
        if (evaluation.decisions.length === 0) return 0;
        const incident = await this.incidents.getById(id);
        const sequence = incident.timeline.filter((t) => t.event === 'reminded').length + 1;
        incident.timeline = [
          ...incident.timeline,
          {
            at: now.toISOString(),
            event: 'reminded',
            checkId: null,
            message: `reminder ${sequence}`,
          },
        ];
        incident.lastNotifiedAt = now;
        monitor.state = evaluation.state;
        await this.outbox.queueForIncident(monitor, incident, 'reminder', sequence);
        return 1;
      });
    }
    if (reminded > 0) this.deliverer.kick();
    return reminded;
  }
}
