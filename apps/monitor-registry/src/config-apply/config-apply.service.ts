import { Injectable } from '@nestjs/common';
import { PayloadBudget, rpcProblem } from '@uptime/bus';
import {
  type ConfigChange,
  type ConfigPlan,
  type KeyedSpec,
  Problems,
  validateKeyedMonitors,
} from '@uptime/contracts';
import { UnitOfWork } from '@uptime/persistence';
import { MonitorEventRelay } from '../events/monitor-event-relay';
import { MonitorEventRepository } from '../events/monitor-event.repository';
import { assignSpec, newMonitor, specOf, toMonitor } from '../monitors/monitor-mapper';
import type { MonitorEntity } from '../monitors/monitor.entity';
import { MonitorQuota } from '../monitors/monitor-quota';
import { MonitorRepository } from '../monitors/monitor.repository';
import { MonitorTargets } from '../monitors/monitor-targets';
import { conflictOf } from '../monitors/monitors.service';
import { type ConfigPlanDraft, type OwnedMonitor, planConfig } from './config-plan';

/** A plan value larger than this (as JSON) is shown by its size: a plan is for reading. */
const MAX_SHOWN_VALUE_BYTES = 512;

type PlannedMonitor = OwnedMonitor & { entity: MonitorEntity };

export interface ApplyConfig {
  ownerId: string;
  monitors: unknown[];
  prune: boolean;
  dryRun: boolean;
}

/**
 * Makes an owner's monitors what a configuration document says, all or nothing: one transaction,
 * under the owner's quota lock (so concurrent applies and creates go one after the other), with
 * one event per monitor changed. A dry run does the same work and rolls it back, so it answers
 * exactly what applying would do, refusals included.
 */
@Injectable()
export class ConfigApplyService {
  constructor(
    private readonly work: UnitOfWork,
    private readonly monitors: MonitorRepository,
    private readonly events: MonitorEventRepository,
    private readonly relay: MonitorEventRelay,
    private readonly quota: MonitorQuota,
    private readonly budget: PayloadBudget,
    private readonly targets: MonitorTargets,
  ) {}

  async apply(request: ApplyConfig): Promise<ConfigPlan> {
    const validated = validateKeyedMonitors(request.monitors);
    if (!validated.ok) throw rpcProblem(Problems.validation(validated.errors));
    this.targets.assertAllReachable(validated.value, (i) => `monitors[${i}].`);
    let plan: ConfigPlan;
    try {
      plan = await this.work.transaction(() => this.planAndWrite(request, validated.value));
    } catch (err) {
      if (err instanceof DryRunRollback) return err.plan;
      throw conflictOf(err) ?? err;
    }
    if (plan.applied && hasChanges(plan)) this.relay.kick();
    return plan;
  }

  private async planAndWrite(request: ApplyConfig, wanted: KeyedSpec[]): Promise<ConfigPlan> {
    const { ownerId, prune, dryRun } = request;
    // The quota's lock first: no creation or other apply of this owner's slips in mid-plan.
    await this.monitors.countOwnedLocked(ownerId);
    const existing = (await this.monitors.allOwned(ownerId)).map(planned);
    const draft = planConfig(existing, wanted, prune);
    if (!hasChanges(replyOf(draft, [], false))) return replyOf(draft, [], !dryRun);
    await this.deleteUnlisted(draft.delete);
    await this.update(draft.update);
    const created = await this.create(ownerId, draft.create);
    if (dryRun) throw new DryRunRollback(this.compact(replyOf(draft, [], false)));
    return this.compact(replyOf(draft, created, true));
  }

  private async deleteUnlisted(doomed: readonly PlannedMonitor[]): Promise<void> {
    if (!doomed.length) return;
    const last = doomed.map((m) => ({ ...toMonitor(m.entity), version: m.entity.version + 1 }));
    await this.monitors.deleteMany(doomed.map((m) => m.id));
    await this.events.record('deleted', last);
  }

  private async update(updates: ConfigPlanDraft<PlannedMonitor>['update']): Promise<void> {
    if (!updates.length) return;
    const now = new Date();
    for (const { monitor, spec } of updates) {
      assignSpec(monitor.entity, spec);
      monitor.entity.version += 1;
      monitor.entity.updatedAt = now;
    }
    const entities = updates.map((u) => u.monitor.entity);
    await this.monitors.save(...entities);
    await this.events.record('updated', entities.map(toMonitor));
  }

  private async create(
    ownerId: string,
    creates: ConfigPlanDraft<PlannedMonitor>['create'],
  ): Promise<MonitorEntity[]> {
    if (!creates.length) return [];
    // Counted after the deletions above: a pruned monitor makes room for a new one.
    await this.quota.reserve(ownerId, creates.length);
    const entities = creates.map((c) => newMonitor(ownerId, c.spec));
    await this.monitors.insertNew(entities);
    await this.events.record('created', entities.map(toMonitor));
    return entities;
  }

  /**
   * The reply must fit one message: large values are shown by their size, and if the plan is
   * still too large, changes name their fields only.
   */
  private compact(plan: ConfigPlan): ConfigPlan {
    const shown = mapChanges(plan, ({ field, from, to }) => ({
      field,
      from: shownValue(from),
      to: shownValue(to),
    }));
    if (Buffer.byteLength(JSON.stringify(shown)) <= this.budget.pageBytes) return shown;
    return mapChanges(plan, ({ field }) => ({ field }));
  }
}

/** Thrown inside a dry run's transaction so that it rolls back, carrying the plan out. */
class DryRunRollback extends Error {
  constructor(readonly plan: ConfigPlan) {
    super('dry run');
  }
}

function planned(entity: MonitorEntity): PlannedMonitor {
  return { id: entity.id, spec: specOf(entity), entity };
}

function replyOf(
  draft: ConfigPlanDraft<PlannedMonitor>,
  created: readonly MonitorEntity[],
  applied: boolean,
): ConfigPlan {
  return {
    create: draft.create.map(({ key }, i) => (created[i] ? { key, id: created[i].id } : { key })),
    update: draft.update.map(({ monitor, spec, changes }) => ({
      key: spec.key,
      id: monitor.id,
      changes,
    })),
    delete: draft.delete.map((m) => ({ key: m.spec.key ?? '', id: m.id })),
    unchanged: draft.unchanged,
    applied,
  };
}

function hasChanges(plan: ConfigPlan): boolean {
  return plan.create.length + plan.update.length + plan.delete.length > 0;
}

function mapChanges(plan: ConfigPlan, map: (change: ConfigChange) => ConfigChange): ConfigPlan {
  return {
    ...plan,
    update: plan.update.map((u) => ({ ...u, changes: u.changes.map(map) })),
  };
}

function shownValue(value: unknown): unknown {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  return bytes > MAX_SHOWN_VALUE_BYTES ? `(${bytes} bytes)` : value;
}
