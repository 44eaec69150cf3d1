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
import type { MonitorAlertStateEntity } from '../monitors/monitor-alert-state.entity';
import { escalatedChannelIds } from './escalation';
import { IncidentClock } from './incident-clock';
import type { IncidentEntity } from './incident.entity';
import { IncidentRepository } from './incident.repository';
import { type EscalateDecision, IncidentTracker } from './incident-tracker';

const TICK_MS = 15_000;

/**
 * The clock of open incidents: re-notifies every `renotifyMinutes` and fires the escalation steps
 * of `alertPolicy.escalation` as they come due. Each incident is handled in a transaction of its
 * own that reads the monitor's state only after locking its row, and stores what it decided
 * (the reminder's time, the steps fired) with the alerts it queues, so replicas and restarts
 * never remind or escalate twice.
 *
 * Reminders go to every channel told of the incident: the monitor's and those of the steps that
 * fired (once paged, an escalation contact keeps hearing until it is over).
 */
@Injectable()
export class ReminderClock implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly clock = new IncidentClock(
    'reminder',
    TICK_MS,
    () => this.tick(),
    new Logger(ReminderClock.name),
  );

  constructor(
    private readonly work: UnitOfWork,
    private readonly incidents: IncidentRepository,
    private readonly monitors: MonitorAlertStateRepository,
    private readonly outbox: AlertOutbox,
    private readonly deliverer: AlertDeliverer,
  ) {}

  onApplicationBootstrap(): void {
    this.clock.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.clock.stop();
  }

  /** One pass over the open incidents as of `now`; how many reminders and escalation steps fired. */
  async tick(now = new Date()): Promise<number> {
    const open = await this.work.withOwnIdentityMap(() => this.incidents.listOpen());
    let notified = 0;
    for (const { id, monitorId } of open) {
      notified += await this.work.transaction(() => this.notifyOne(id, monitorId, now));
    }
    if (notified > 0) this.deliverer.kick();
    return notified;
  }

  private async notifyOne(id: string, monitorId: string, now: Date): Promise<number> {
    const monitor = await this.monitors.lock(monitorId);
    if (!monitor || monitor.paused) return 0;
    // Reminders and escalation follow the availability incident; a certificate one is told once.
    if (monitor.state.incident?.id !== id) return 0;
    const escalated = IncidentTracker.escalate(monitor.state, monitor.policy, now);
    const reminded =
      monitor.policy.renotifyMinutes === null
        ? { state: escalated.state, decisions: [] }
        : IncidentTracker.remind(escalated.state, monitor.policy, now);
    const decisions = [...escalated.decisions, ...reminded.decisions];
    if (decisions.length === 0) return 0;
    const incident = await this.incidents.getById(id);
    monitor.state = reminded.state;
    for (const decision of decisions) {
      if (decision.type === 'escalate') await this.escalate(monitor, incident, decision, now);
      if (decision.type === 'remind') await this.remind(monitor, incident, now);
    }
    return decisions.length;
  }

  private async escalate(
    monitor: MonitorAlertStateEntity,
    incident: IncidentEntity,
    decision: EscalateDecision,
    now: Date,
  ): Promise<void> {
    const channels = decision.channelIds.length === 1 ? 'channel' : 'channels';
    incident.timeline = [
      ...incident.timeline,
      {
        at: now.toISOString(),
        event: 'escalated',
        checkId: null,
        message: `escalation step ${decision.step} (after ${decision.afterMinutes} min): ${decision.channelIds.length} ${channels}`,
      },
    ];
    await this.outbox.queueForIncident(monitor, incident, decision.kind, 0, {
      channelIds: decision.channelIds,
      escalationStep: decision.step,
      afterMinutes: decision.afterMinutes,
    });
  }

  private async remind(
    monitor: MonitorAlertStateEntity,
    incident: IncidentEntity,
    now: Date,
  ): Promise<void> {
    const sequence = incident.timeline.filter((t) => t.event === 'reminded').length + 1;
    incident.timeline = [
      ...incident.timeline,
      { at: now.toISOString(), event: 'reminded', checkId: null, message: `reminder ${sequence}` },
    ];
    incident.lastNotifiedAt = now;
    const told = monitor.state.incident ? escalatedChannelIds(monitor.state.incident) : [];
    await this.outbox.queueForIncident(monitor, incident, 'reminder', sequence, {
      channelIds: [...monitor.channelIds, ...told],
    });
  }
}
