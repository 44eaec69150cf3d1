import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ChannelEntity } from '../channels/channel.entity';
import type { AlertKind, AlertMessage } from '../channels/index';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config';
import type { IncidentEntity } from '../incidents/incident.entity';
import type { MonitorAlertStateEntity } from '../monitors/monitor-alert-state.entity';
import { AlertEntity } from './alert.entity';

/**
 * Writes the alerts a decision implies, one per channel, in the transaction that made the
 * decision. `dedupKey` (incident, kind, channel) makes the same decision taken twice a no-op.
 */
@Injectable()
export class AlertOutbox {
  constructor(@Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig) {}

  async queueForIncident(
    em: EntityManager,
    monitor: MonitorAlertStateEntity,
    incident: IncidentEntity,
    kind: Exclude<AlertKind, 'test'>,
    sequence = 0,
  ): Promise<number> {
    if (monitor.channelIds.length === 0) return 0;
    const channels = await em.find(ChannelEntity, {
      id: { $in: monitor.channelIds },
      ownerId: monitor.ownerId,
    });
    let queued = 0;
    for (const channel of channels) {
      const dedupKey = `${incident.id}:${kind}:${sequence}:${channel.id}`;
      if (await em.findOne(AlertEntity, { dedupKey })) continue;
      const alert = this.newAlert(channel, dedupKey, kind);
      alert.incidentId = incident.id;
      alert.monitorId = monitor.monitorId;
      alert.message = this.messageFor(alert.id, kind, monitor, incident) as unknown as Record<
        string,
        unknown
      >;
      em.persist(alert);
      queued++;
    }
    return queued;
  }

  queueTest(em: EntityManager, channel: ChannelEntity): AlertEntity {
    const alert = this.newAlert(channel, `test:${randomUUID()}`, 'test');
    const message: AlertMessage = {
      alertId: alert.id,
      kind: 'test',
      monitor: {
        id: '00000000-0000-0000-0000-000000000000',
        name: `Test of channel ${channel.name}`,
        url: this.config.publicUrl,
      },
      incident: null,
      occurredAt: new Date().toISOString(),
      durationMs: null,
      monitorLink: this.config.publicUrl,
    };
    alert.message = message as unknown as Record<string, unknown>;
    em.persist(alert);
    return alert;
  }

  private newAlert(channel: ChannelEntity, dedupKey: string, kind: AlertKind): AlertEntity {
    const alert = new AlertEntity();
    alert.id = randomUUID();
    alert.ownerId = channel.ownerId;
    alert.channelId = channel.id;
    alert.kind = kind;
    alert.dedupKey = dedupKey;
    alert.nextAttemptAt = new Date();
    return alert;
  }

  private messageFor(
    alertId: string,
    kind: AlertKind,
    monitor: MonitorAlertStateEntity,
    incident: IncidentEntity,
  ): AlertMessage {
    const cause = incident.cause as {
      outcome: 'up' | 'degraded' | 'down';
      errorKind: null;
      httpStatus: number | null;
      message: string | null;
      latencyMs: number;
    };
    const end = incident.resolvedAt ?? new Date();
    return {
      alertId,
      kind,
      monitor: { id: monitor.monitorId, name: monitor.name, url: monitor.url },
      incident: {
        id: incident.id,
        startedAt: incident.startedAt.toISOString(),
        resolvedAt: incident.resolvedAt?.toISOString() ?? null,
        cause: {
          outcome: cause.outcome,
          errorKind: cause.errorKind,
          httpStatus: cause.httpStatus,
          message: cause.message,
          latencyMs: cause.latencyMs,
        },
      },
      occurredAt: new Date().toISOString(),
      durationMs:
        kind === 'down' || kind === 'degraded'
          ? null
          : end.getTime() - incident.startedAt.getTime(),
      monitorLink: `${this.config.publicUrl.replace(/\/$/, '')}/api/v1/monitors/${monitor.monitorId}`,
    };
  }
}
