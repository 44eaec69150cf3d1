import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ChannelEntity } from '../channels/channel.entity';
import { ChannelRepository } from '../channels/channel.repository';
import { alertCauseOf, type AlertKind, type AlertMessage } from '../channels/index';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config';
import type { IncidentEntity } from '../incidents/incident.entity';
import type { RegionIncidentEntity } from '../incidents/region-incident.entity';
import type { MonitorAlertStateEntity } from '../monitors/monitor-alert-state.entity';
import { AlertEntity } from './alert.entity';
import { AlertRepository } from './alert.repository';

/** Whom an incident's alert goes to: the monitor's channels unless the decision says otherwise. */
export interface Recipients {
  channelIds: readonly string[];
  /** Set for the alerts of an escalation step: 1 for the policy's first step. */
  escalationStep?: number;
  afterMinutes?: number;
}

/**
 * Writes the alerts a decision implies, one per channel, in the transaction that made the
 * decision (the caller's `UnitOfWork.transaction`). `dedupKey` (incident, kind, channel) makes the same decision taken twice a no-op.
 */
@Injectable()
export class AlertOutbox {
  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly channels: ChannelRepository,
    private readonly alerts: AlertRepository,
  ) {}

  /**
   * One alert per channel of `recipients` (by default the monitor's channels) that its owner
   * still has: a deleted channel is skipped. An escalation step's alerts carry the step, and
   * their own dedup keys, so a step is queued once per channel however often it is decided.
   */
  async queueForIncident(
    monitor: MonitorAlertStateEntity,
    incident: IncidentEntity,
    kind: Exclude<AlertKind, 'test'>,
    sequence = 0,
    recipients: Recipients = { channelIds: monitor.channelIds },
  ): Promise<number> {
    const ids = [...new Set(recipients.channelIds)];
    if (ids.length === 0) return 0;
    const channels = await this.channels.findOwnedAmong(monitor.ownerId, ids);
    const step = recipients.escalationStep;
    let queued = 0;
    for (const channel of channels) {
      const dedupKey =
        step === undefined
          ? `${incident.id}:${kind}:${sequence}:${channel.id}`
          : `${incident.id}:${kind}:escalation-${step}:${channel.id}`;
      if (await this.alerts.hasDedupKey(dedupKey)) continue;
      const alert = this.newAlert(channel, dedupKey, kind);
      alert.incidentId = incident.id;
      alert.monitorId = monitor.monitorId;
      alert.message = {
        ...this.messageFor(alert.id, kind, monitor, incident),
        ...(step === undefined
          ? {}
          : { escalation: { step, afterMinutes: recipients.afterMinutes ?? 0 } }),
      };
      this.alerts.add(alert);
      queued++;
    }
    return queued;
  }

  /**
   * The operator's alert of a region incident (`OPERATOR_CHANNEL_ID`): `partial` at open, `up`
   * at resolve, worded as a monitor named after the region so that every channel renders it as
   * it renders any alert. Answers false when no such channel exists.
   */
  async queueForRegion(
    channelId: string,
    incident: RegionIncidentEntity,
    kind: 'partial' | 'up',
  ): Promise<boolean> {
    const channel = await this.channels.findById(channelId);
    if (!channel) return false;
    const dedupKey = `region:${incident.id}:${kind}:${channel.id}`;
    if (await this.alerts.hasDedupKey(dedupKey)) return true;
    const alert = this.newAlert(channel, dedupKey, kind);
    const publicUrl = this.config.publicUrl.replace(/\/$/, '');
    const end = incident.resolvedAt ?? new Date();
    alert.message = {
      alertId: alert.id,
      kind,
      monitor: {
        id: incident.id,
        name: `Region ${incident.region}`,
        url: `${publicUrl}/api/v1/regions`,
      },
      incident: {
        id: incident.id,
        kind: 'partial',
        startedAt: incident.startedAt.toISOString(),
        resolvedAt: incident.resolvedAt?.toISOString() ?? null,
        cause: { outcome: 'down', errorKind: null, httpStatus: null, latencyMs: 0 },
      },
      occurredAt: new Date().toISOString(),
      durationMs: kind === 'up' ? end.getTime() - incident.startedAt.getTime() : null,
      monitorLink: `${publicUrl}/api/v1/regions`,
    };
    this.alerts.add(alert);
    return true;
  }

  queueTest(channel: ChannelEntity): AlertEntity {
    const alert = this.newAlert(channel, `test:${randomUUID()}`, 'test');
    alert.message = {
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
    this.alerts.add(alert);
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
    const { cause } = incident;
    const end = incident.resolvedAt ?? new Date();
    return {
      alertId,
      kind,
      monitor: { id: monitor.monitorId, name: monitor.name, url: monitor.url },
      incident: {
        id: incident.id,
        kind: incident.kind,
        startedAt: incident.startedAt.toISOString(),
        resolvedAt: incident.resolvedAt?.toISOString() ?? null,
        cause: alertCauseOf(cause),
      },
      occurredAt: new Date().toISOString(),
      durationMs:
        kind === 'down' || kind === 'degraded' || kind === 'certificate' || kind === 'partial'
          ? null
          : end.getTime() - incident.startedAt.getTime(),
      monitorLink: `${this.config.publicUrl.replace(/\/$/, '')}/api/v1/monitors/${monitor.monitorId}`,
    };
  }
}
