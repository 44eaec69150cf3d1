import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AlertDeliverer } from '../alerts/alert-deliverer';
import { AlertOutbox } from '../alerts/alert-outbox';
import { MonitorAlertStateEntity } from '../monitors/monitor-alert-state.entity';
import { IncidentEntity } from './incident.entity';
import { IncidentTracker, type MonitorAlertState } from './incident-tracker';

const TICK_MS = 15_000;

/** Re-notifies every `renotifyMinutes` while an incident stays open. */
@Injectable()
export class ReminderClock implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReminderClock.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly em: EntityManager,
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
    const open = await this.em
      .fork()
      .find(IncidentEntity, { state: 'open' }, { fields: ['id', 'monitorId'] });
    let reminded = 0;
    for (const { id, monitorId } of open) {
      reminded += await this.em.fork().transactional(async (em) => {
        const monitor = await em.findOne(
          MonitorAlertStateEntity,
          { monitorId },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (!monitor || monitor.paused || monitor.policy.renotifyMinutes === null) return 0;
        const evaluation = IncidentTracker.remind(
          monitor.state as unknown as MonitorAlertState,
          monitor.policy,
          now,
        );
        if (evaluation.decisions.length === 0) return 0;
        const incident = await em.findOneOrFail(IncidentEntity, { id });
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
        monitor.state = evaluation.state as unknown as Record<string, unknown>;
        await this.outbox.queueForIncident(em, monitor, incident, 'reminder', sequence);
        return 1;
      });
    }
    if (reminded > 0) this.deliverer.kick();
    return reminded;
  }
}
