import { Inject, Injectable } from '@nestjs/common';
import type { CheckResult } from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import { UnitOfWork } from '@uptime/persistence';
import { Counter, type Registry } from 'prom-client';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config';
import { AlertDeliverer } from '../alerts/alert-deliverer';
import { AlertOutbox } from '../alerts/alert-outbox';
import { describeCause, describeCertificate, formatUtc } from '../channels/alert-message';
import type { MonitorAlertStateEntity } from '../monitors/monitor-alert-state.entity';
import { MonitorProjection } from '../monitors/monitor-projection';
import { IncidentEntity } from './incident.entity';
import { IncidentRepository } from './incident.repository';
import type { CertificateOpenDecision, CertificateResolveDecision } from './certificate-watch';
import { type Decision, type Evaluation, IncidentTracker } from './incident-tracker';
import { RegionWatch } from './region-watch';
import { type RegionPlan, nextSlotDeadline } from './slot-grouping';

/**
 * Applies check results to their monitors in one transaction: the monitors' rows are locked, the
 * tracker decides for each result in turn, and the new states and the incident rows they imply
 * are committed together. One transaction per batch rather than per result: at thousands of
 * results a second a commit each was the notifier's limit. A redelivered result finds its check
 * id already applied and decides nothing.
 */
@Injectable()
export class IncidentRecorder {
  private readonly lateAnswers: Counter;

  constructor(
    private readonly work: UnitOfWork,
    private readonly incidents: IncidentRepository,
    private readonly monitors: MonitorProjection,
    private readonly outbox: AlertOutbox,
    private readonly deliverer: AlertDeliverer,
    private readonly regionWatch: RegionWatch,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    this.lateAnswers = new Counter({
      name: 'uptime_notifier_late_region_answers_total',
      help: "Region results that arrived after their slot's verdict was decided (stored, not judged)",
      registers: [registry],
    });
  }

  /**
   * The regions a monitor's results are grouped over (its own list, else every region), those
   * cut off now (`regionsCut`, else as the region watch last saw them) and the hold of slots
   * that may be a region's fault.
   */
  planOf(row: MonitorAlertStateEntity, regionsCut?: readonly string[]): RegionPlan {
    const regions = row.regions ?? [];
    return {
      regions: regions.length > 0 ? regions : this.config.defaultRegions,
      timeoutMs: row.timeoutMs ?? 0,
      regionsCut: regionsCut ?? this.regionWatch.cutRegions(),
      regionHoldMs: this.regionWatch.rules?.windowMs ?? 0,
    };
  }

  /** Stores an evaluation on its row and carries out its decisions, in the caller's transaction. */
  async store(
    row: MonitorAlertStateEntity,
    evaluation: Evaluation,
    now: Date,
  ): Promise<Decision[]> {
    row.state = evaluation.state;
    row.slotDeadlineAt = nextSlotDeadline(evaluation.state);
    row.updatedAt = now;
    for (const decision of evaluation.decisions) await this.applyDecision(row, decision);
    return evaluation.decisions;
  }

  record(result: CheckResult, now = new Date()): Promise<Decision[]> {
    return this.recordMany([result], now);
  }

  /** Results in stream order; each monitor's are applied in that order. */
  async recordMany(results: CheckResult[], now = new Date()): Promise<Decision[]> {
    const owners = new Map(results.map((r) => [r.monitorId, r.ownerId]));
    const decisions = await this.work.transaction(async () => {
      const rows = await this.monitors.lockOrFetchMany(owners);
      const made: Decision[] = [];
      for (const result of results) {
        const row = rows.get(result.monitorId);
        if (!row || row.paused) continue;
        const plan = this.planOf(row);
        const evaluation = IncidentTracker.apply(row.state, result, row.policy, now, plan);
        if (evaluation.state === row.state) continue;
        made.push(...(await this.store(row, evaluation, now)));
      }
      return made;
    });
    if (decisions.some((d) => d.type !== 'lateAnswer' && d.type !== 'slotObserved')) {
      this.deliverer.kick();
    }
    return decisions;
  }

  private async applyDecision(monitor: MonitorAlertStateEntity, decision: Decision): Promise<void> {
    if (decision.type === 'lateAnswer') return this.lateAnswers.inc();
    if (decision.type === 'slotObserved') {
      const { scheduledAt, answered, failing } = decision;
      const { monitorId, ownerId } = monitor;
      return this.regionWatch.observe({ monitorId, ownerId, scheduledAt, answered, failing });
    }
    if (decision.type === 'remind') return;
    if (decision.type === 'certificateOpen') return this.openCertificate(monitor, decision);
    if (decision.type === 'certificateResolve') return this.resolveCertificate(monitor, decision);
    if (decision.type === 'open') {
      const incident = new IncidentEntity();
      incident.id = decision.incidentId;
      incident.monitorId = monitor.monitorId;
      incident.ownerId = monitor.ownerId;
      incident.kind = decision.kind;
      incident.startedAt = new Date(decision.startedAt);
      incident.cause = decision.cause;
      incident.timeline = [
        {
          at: decision.startedAt,
          event: 'opened',
          checkId: decision.cause.checkId,
          // The same words as the alerts, from the structured cause, never the check's message.
          message: describeCause(decision.cause),
        },
      ];
      incident.lastNotifiedAt = new Date();
      this.incidents.add(incident);
      await this.outbox.queueForIncident(monitor, incident, decision.kind);
      return;
    }
    if (decision.type === 'resolve') {
      const incident = await this.incidents.findById(decision.incidentId);
      if (!incident) return;
      incident.state = 'resolved';
      incident.resolvedAt = new Date(decision.resolvedAt);
      const seconds = Math.round(decision.durationMs / 1000);
      incident.timeline = [
        ...incident.timeline,
        {
          at: decision.resolvedAt,
          event: 'resolved',
          checkId: null,
          message: `recovered after ${seconds} s`,
        },
      ];
      // Everyone told of the incident hears it is over: the monitor's channels and the steps'.
      const channelIds = [...monitor.channelIds, ...decision.escalatedChannelIds];
      await this.outbox.queueForIncident(monitor, incident, 'up', 0, { channelIds });
    }
  }

  private async openCertificate(
    monitor: MonitorAlertStateEntity,
    decision: CertificateOpenDecision,
  ): Promise<void> {
    const incident = new IncidentEntity();
    incident.id = decision.incidentId;
    incident.monitorId = monitor.monitorId;
    incident.ownerId = monitor.ownerId;
    incident.kind = 'certificate';
    incident.startedAt = new Date(decision.startedAt);
    incident.cause = decision.cause;
    incident.timeline = [
      {
        at: decision.startedAt,
        event: 'opened',
        checkId: decision.cause.checkId,
        message: describeCertificate(decision.cause.certificateExpiresAt, decision.startedAt),
      },
    ];
    incident.lastNotifiedAt = new Date();
    this.incidents.add(incident);
    await this.outbox.queueForIncident(monitor, incident, 'certificate');
  }

  private async resolveCertificate(
    monitor: MonitorAlertStateEntity,
    decision: CertificateResolveDecision,
  ): Promise<void> {
    const incident = await this.incidents.findById(decision.incidentId);
    if (!incident) return;
    incident.state = 'resolved';
    incident.resolvedAt = new Date(decision.resolvedAt);
    incident.timeline = [
      ...incident.timeline,
      {
        at: decision.resolvedAt,
        event: 'resolved',
        checkId: null,
        message: `certificate renewed: expires ${formatUtc(decision.expiresAt)}`,
      },
    ];
    await this.outbox.queueForIncident(monitor, incident, 'up');
  }
}
