import { Injectable } from '@nestjs/common';
import { PayloadBudget, requestCursor, rpcProblem } from '@uptime/bus';
import {
  crossFieldErrors,
  type CreatedMonitors,
  type Monitor,
  type MonitorEventKind,
  monitorSpecWithPatch,
  type MonitorSummary,
  monitorTarget,
  type MonitorTargetFields,
  monitorTargetWords,
  type Page,
  type PingTarget,
  Problems,
  typeChangeErrors,
  validateMonitorCreate,
  validateMonitorCreateMany,
  validateMonitorPatch,
  type Validated,
} from '@uptime/contracts';
import { duplicateKeyConstraint, isDuplicateKey, UnitOfWork } from '@uptime/persistence';
import { MonitorEventRelay } from '../events/monitor-event-relay';
import { MonitorEventRepository } from '../events/monitor-event.repository';
import {
  assignSpec,
  newMonitor,
  sameSpec,
  serverFieldsOf,
  specOf,
  toMonitor,
} from './monitor-mapper';
import { type MonitorEntity, MONITOR_KEY_UNIQUE } from './monitor.entity';
import { MonitorQuota } from './monitor-quota';
import { MonitorRepository } from './monitor.repository';
import { MonitorTargets } from './monitor-targets';
import { pageOf } from './page-cursor';

/** The rules of a monitor's life: validation, ownership, uniqueness, and an event per change. */
@Injectable()
export class MonitorsService {
  constructor(
    private readonly work: UnitOfWork,
    private readonly monitors: MonitorRepository,
    private readonly events: MonitorEventRepository,
    private readonly relay: MonitorEventRelay,
    private readonly quota: MonitorQuota,
    private readonly budget: PayloadBudget,
    private readonly targets: MonitorTargets,
  ) {}

  async create(ownerId: string, body: unknown): Promise<Monitor> {
    const spec = valid(validateMonitorCreate(body));
    this.targets.assertReachable(spec);
    if (await this.monitors.findByTarget(ownerId, spec)) throw duplicate(spec);
    if (spec.key !== null && (await this.monitors.findByKey(ownerId, spec.key))) {
      throw keyTaken();
    }
    const entity = newMonitor(ownerId, spec);
    await this.insert(ownerId, [entity]);
    return toMonitor(entity);
  }

  /**
   * Creates every monitor or none, in one transaction with one event each: importing thousands
   * of monitors costs one commit per thousand, not one per monitor. Answers with what it set on
   * each, not the full monitors: a thousand of those need not fit one message.
   */
  async createMany(ownerId: string, bodies: unknown[]): Promise<CreatedMonitors> {
    const specs = valid(validateMonitorCreateMany({ monitors: bodies }));
    this.targets.assertAllReachable(specs, (i) => `monitors[${i}].`);
    const taken = await this.monitors.taken(ownerId, specs);
    const repeated = specs
      .map((spec, i) => (taken.targets.has(monitorTarget(spec)) ? `monitors[${i}]` : null))
      .filter((at): at is string => at !== null);
    if (repeated.length) throw duplicate(undefined, ` (${repeated.join(', ')})`);
    const keyClashes = specs
      .map((spec, i) => (spec.key !== null && taken.keys.has(spec.key) ? i : null))
      .filter((i): i is number => i !== null);
    if (keyClashes.length) throw keyTaken(keyClashes.map((i) => `monitors[${i}].key`));
    const entities = specs.map((spec) => newMonitor(ownerId, spec));
    await this.insert(ownerId, entities);
    return { items: entities.map(serverFieldsOf) };
  }

  /** Saves new monitors and their `created` events, all or none, within the owner's quota. */
  private insert(ownerId: string, entities: MonitorEntity[]): Promise<void> {
    return this.saving(async () => {
      await this.quota.reserve(ownerId, entities.length);
      await this.monitors.insertNew(entities);
      await this.events.record('created', entities.map(toMonitor));
    });
  }

  /** Lists are paged by count and by bytes, so a page of large monitors still fits a message. */
  async list(
    ownerId: string,
    limit: number,
    cursor?: string,
    key?: string,
  ): Promise<Page<Monitor>> {
    const budget = this.budget.pageBytes;
    const after = requestCursor(cursor);
    const rows = await this.monitors.pageByOwner(ownerId, limit, budget, after, key);
    return pageOf(rows, limit, budget, toMonitor);
  }

  async summaries(ownerId: string, limit: number, cursor?: string): Promise<Page<MonitorSummary>> {
    const rows = await this.monitors.summariesByOwner(ownerId, limit, requestCursor(cursor));
    return pageOf(rows, limit, this.budget.pageBytes, ({ id, name, url, paused }) => ({
      id,
      name,
      url,
      paused,
    }));
  }

  async get(ownerId: string, monitorId: string): Promise<Monitor> {
    return toMonitor(await this.owned(ownerId, monitorId));
  }

  async update(ownerId: string, monitorId: string, body: unknown): Promise<Monitor> {
    const patch = valid(validateMonitorPatch(body));
    const entity = await this.owned(ownerId, monitorId);
    const current = specOf(entity);
    const next = monitorSpecWithPatch(current, patch);
    const errors = [...typeChangeErrors(current, next), ...crossFieldErrors(next)];
    if (errors.length) throw rpcProblem(Problems.validation(errors));
    if (sameSpec(current, next)) return toMonitor(entity);
    this.targets.assertChangeReachable(current, next);
    if (
      monitorTarget(next) !== monitorTarget(current) &&
      (await this.monitors.findByTarget(ownerId, next, entity.id))
    ) {
      throw duplicate(next);
    }
    if (
      next.key !== null &&
      next.key !== current.key &&
      (await this.monitors.findByKey(ownerId, next.key, entity.id))
    ) {
      throw keyTaken();
    }
    assignSpec(entity, next);
    return this.commit(entity, 'updated');
  }

  /** Pausing a paused monitor (or resuming a running one) changes nothing and emits nothing. */
  async setPaused(ownerId: string, monitorId: string, paused: boolean): Promise<Monitor> {
    const entity = await this.owned(ownerId, monitorId);
    if (entity.paused === paused) return toMonitor(entity);
    assignSpec(entity, { ...specOf(entity), paused });
    return this.commit(entity, paused ? 'paused' : 'resumed');
  }

  async remove(ownerId: string, monitorId: string): Promise<void> {
    const entity = await this.owned(ownerId, monitorId);
    const last = { ...toMonitor(entity), version: entity.version + 1 };
    await this.saving(async () => {
      await this.monitors.delete(entity.id);
      await this.events.record('deleted', [last]);
    });
  }

  /**
   * Deletes every monitor of an owner, each with its `deleted` event, inside the caller's
   * transaction (a team being deleted); `publishRecorded` once it committed.
   */
  async removeAllWithin(ownerId: string): Promise<number> {
    const entities = await this.monitors.findAllOwned(ownerId);
    if (!entities.length) return 0;
    await this.monitors.deleteAllOwned(ownerId);
    await this.events.record(
      'deleted',
      entities.map((e) => ({ ...toMonitor(e), version: e.version + 1 })),
    );
    return entities.length;
  }

  /** Nudges the relay after a transaction of the caller's recorded events. */
  publishRecorded(): void {
    this.relay.kick();
  }

  /**
   * Drops a deleted channel from every monitor of its owner, from its channels and from its
   * escalation steps (a step left with no channel goes: it would tell nobody); each change is an
   * `updated` event.
   */
  async removeChannel(ownerId: string, channelId: string): Promise<number> {
    const affected = await this.monitors.findUsingChannel(ownerId, channelId);
    for (const entity of affected) {
      entity.channelIds = entity.channelIds.filter((id) => id !== channelId);
      entity.alertPolicy = {
        ...entity.alertPolicy,
        escalation: (entity.alertPolicy.escalation ?? [])
          .map((step) => ({
            ...step,
            channelIds: step.channelIds.filter((id) => id !== channelId),
          }))
          .filter((step) => step.channelIds.length > 0),
      };
      await this.commit(entity, 'updated');
    }
    return affected.length;
  }

  async pageActive(limit: number, cursor?: string): Promise<Page<Monitor>> {
    const budget = this.budget.pageBytes;
    const rows = await this.monitors.pageActive(limit, budget, requestCursor(cursor));
    return pageOf(rows, limit, budget, toMonitor);
  }

  /** The heartbeat monitor a ping token belongs to; an unknown token is the same 404 as any. */
  async pingTarget(token: string): Promise<PingTarget> {
    const entity = await this.monitors.findByPingToken(token);
    if (!entity) throw rpcProblem(Problems.notFound('The monitor'));
    return { monitorId: entity.id, ownerId: entity.ownerId, paused: entity.paused };
  }

  /** Another owner's monitor answers exactly like a missing one, so ids leak nothing. */
  private async owned(ownerId: string, monitorId: string): Promise<MonitorEntity> {
    const entity = await this.monitors.findOwned(ownerId, monitorId);
    if (!entity) throw rpcProblem(Problems.notFound('The monitor'));
    return entity;
  }

  /** Saves a change to a loaded monitor, with its event. */
  private async commit(entity: MonitorEntity, kind: MonitorEventKind): Promise<Monitor> {
    entity.version += 1;
    entity.updatedAt = new Date();
    await this.saving(async () => {
      await this.monitors.save(entity);
      await this.events.record(kind, [toMonitor(entity)]);
    });
    return toMonitor(entity);
  }

  /**
   * Every change goes through here: `change` writes the monitors and their events in one
   * transaction, a monitor that would repeat its owner's method and URL is the 409, and the relay
   * is nudged once the events are committed.
   */
  private async saving(change: () => Promise<void>): Promise<void> {
    try {
      await this.work.transaction(change);
    } catch (err) {
      throw conflictOf(err) ?? err;
    }
    this.relay.kick();
  }
}

/**
 * The 409 for a write the database refused as a duplicate (a concurrent write got there first):
 * which one depends on the rule it broke. Undefined for any other error.
 */
export function conflictOf(err: unknown, keyField = 'key'): Error | undefined {
  if (!isDuplicateKey(err)) return undefined;
  return duplicateKeyConstraint(err) === MONITOR_KEY_UNIQUE ? keyTaken([keyField]) : duplicate();
}

/** The validated value, or the 400 problem listing each bad field. */
function valid<T>(validated: Validated<T>): T {
  if (!validated.ok) throw rpcProblem(Problems.validation(validated.errors));
  return validated.value;
}

/** The 409 for a key another of the owner's monitors has; `fields` name where it was given. */
export function keyTaken(fields: string[] = ['key']): Error {
  return rpcProblem({
    ...Problems.conflict('You already have a monitor with this key; keys are unique per owner.'),
    errors: fields.map((field) => ({ field, message: 'is the key of another of your monitors' })),
  });
}

/**
 * The 409 for a target the owner already monitors (`monitorTarget`); `where` names the offending
 * items. Without the spec (a write the database refused) it names every part of a target.
 */
export function duplicate(spec?: MonitorTargetFields, where = ''): Error {
  const words = spec ? monitorTargetWords(spec) : 'method and URL (and dns record type)';
  return rpcProblem(Problems.conflict(`You already have a monitor for this ${words}.${where}`));
}
