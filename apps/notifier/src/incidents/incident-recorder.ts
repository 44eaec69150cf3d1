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
import {
  MonitorAlertStateRepository,
  type RevisedRow,
} from '../monitors/monitor-alert-state.repository';
import { QuietMonitors, type SeenRow } from './quiet-monitors';
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
  private readonly absorbed: Counter;
  /** Absent when `QUIET_RESULTS_IN_MEMORY` is off: every result is applied to its row. */
  private readonly quiet?: QuietMonitors;

  constructor(
    private readonly work: UnitOfWork,
    private readonly incidents: IncidentRepository,
    private readonly monitors: MonitorProjection,
    private readonly outbox: AlertOutbox,
    private readonly deliverer: AlertDeliverer,
    private readonly regionWatch: RegionWatch,
    private readonly rows: MonitorAlertStateRepository,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    this.lateAnswers = new Counter({
      name: 'uptime_notifier_late_region_answers_total',
      help: "Region results that arrived after their slot's verdict was decided (stored, not judged)",
      registers: [registry],
    });
    this.absorbed = new Counter({
      name: 'uptime_notifier_quiet_results_total',
      help: 'Results that changed no alerting state, taken in memory without a database write',
      registers: [registry],
    });
    if (config.quietResultsInMemory !== false) this.quiet = new QuietMonitors();
  }

  /**
   * The regions a monitor's results are grouped over (its own list, else every region), those
   * cut off now (`regionsCut`, else as the region watch last saw them) and the hold of slots
   * that may be a region's fault.
   */
  planOf(
    row: Pick<MonitorAlertStateEntity, 'regions' | 'timeoutMs'>,
    regionsCut?: readonly string[],
  ): RegionPlan {
    const regions = row.regions ?? [];
    return {
      regions: regions.length > 0 ? regions : this.config.defaultRegions,
      timeoutMs: row.timeoutMs ?? 0,
      regionsCut: regionsCut ?? this.regionWatch.cutRegions(),
      regionHoldMs: this.regionWatch.holdMs(),
      observeRegions: this.regionWatch.rules !== null,
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

  /**
   * Results in stream order; each monitor's are applied in that order. Those that leave a quiet
   * monitor quiet are taken in memory (`QuietMonitors`); the rest are applied to the locked rows,
   * and acked only once that transaction has committed.
   */
  async recordMany(results: CheckResult[], now = new Date()): Promise<Decision[]> {
    const toApply = await this.absorbQuiet(results, now);
    if (toApply.length === 0) return [];
    const owners = new Map(toApply.map((r) => [r.monitorId, r.ownerId]));
    const { decisions, seen } = await this.work.transaction(async () => {
      const rows = await this.monitors.lockOrFetchMany(owners);
      const quiet = this.quiet;
      const lockedAt = quiet ? await this.rows.revisionsOf([...rows.keys()]) : undefined;
      // What was taken in memory since the row was seen goes first, so the stored window holds it.
      const replay = quiet
        ? [...rows.keys()].flatMap((id) => quiet.absorbedSince(id, lockedAt?.get(id)))
        : [];
      const made: Decision[] = [];
      for (const result of [...replay, ...toApply]) {
        const row = rows.get(result.monitorId);
        if (!row || row.paused) continue;
        const plan = this.planOf(row);
        const evaluation = IncidentTracker.apply(row.state, result, row.policy, now, plan);
        if (evaluation.state === row.state) continue;
        made.push(...(await this.store(row, evaluation, now)));
      }
      // The versions this transaction commits, read under its locks: no other write can slip in.
      const committed = quiet ? await this.rows.flushedRevisionsOf([...rows.keys()]) : undefined;
      return { decisions: made, seen: committed && this.seenRows(rows, committed) };
    });
    // Remembered only once committed: a rolled-back transaction leaves the rows as they were seen.
    for (const row of seen ?? []) this.quiet?.seen(row);
    // A monitor without a row any more (deleted) is not kept either.
    const kept = new Set(seen?.map((r) => r.monitorId));
    for (const monitorId of owners.keys()) if (!kept.has(monitorId)) this.quiet?.forget(monitorId);
    if (decisions.some((d) => d.type !== 'lateAnswer' && d.type !== 'slotObserved')) {
      this.deliverer.kick();
    }
    return decisions;
  }

  /**
   * Takes in memory the results that change nothing for their quiet monitors, after one read of
   * their rows' versions (and of the rows this replica has not seen at that version); returns the
   * rest. Once one of a monitor's results must be applied, its later ones in the batch are too,
   * so the monitor's results stay in order.
   */
  private async absorbQuiet(results: CheckResult[], now: Date): Promise<CheckResult[]> {
    const quiet = this.quiet;
    if (!quiet) return results;
    const ids = [...new Set(results.map((r) => r.monitorId))];
    const revisions = await this.rows.revisionsOf(ids);
    // Written since this replica saw them (by another, a timer, an event), or never seen here.
    const unseen = ids.filter((id) => {
      const revision = revisions.get(id);
      return revision !== undefined && !quiet.isAt(id, revision);
    });
    for (const row of await this.rows.withRevisions(unseen)) {
      revisions.set(row.monitorId, row.revision);
      quiet.seen(this.seenRow(row, row.revision));
    }
    const applied = new Set<string>();
    const rest: CheckResult[] = [];
    for (const result of results) {
      const { monitorId } = result;
      if (!applied.has(monitorId) && quiet.absorb(result, revisions.get(monitorId), now)) continue;
      applied.add(monitorId);
      rest.push(result);
    }
    this.absorbed.inc(results.length - rest.length);
    return rest;
  }

  private seenRows(
    rows: Map<string, MonitorAlertStateEntity>,
    revisions: Map<string, string>,
  ): SeenRow[] {
    const seen: SeenRow[] = [];
    for (const row of rows.values()) {
      const revision = revisions.get(row.monitorId);
      if (revision !== undefined) seen.push(this.seenRow(row, revision));
    }
    return seen;
  }

  private seenRow(row: Omit<RevisedRow, 'revision'>, revision: string): SeenRow {
    // Only monitors judged per result are kept quiet: slots change their state with every answer.
    const plan = row.regions === null ? null : this.planOf(row);
    const { monitorId, state, policy, paused } = row;
    return { monitorId, revision, state, policy, paused, plan: singleRegion(plan) };
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

function singleRegion(plan: RegionPlan | null): RegionPlan | null {
  return plan && plan.regions.length < 2 ? plan : null;
}
