import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { PayloadBudget, requestCursor, rpcProblem } from '@uptime/bus';
import {
  crossFieldErrors,
  type CreatedMonitors,
  type Monitor,
  type MonitorEventKind,
  type MonitorSpec,
  monitorSpecWithPatch,
  type MonitorSummary,
  type Page,
  Problems,
  validateMonitorCreate,
  validateMonitorCreateMany,
  validateMonitorPatch,
} from '@uptime/contracts';
import { MonitorEventRelay, recordMonitorEvent } from '../events/monitor-event-relay';
import { assignSpec, sameSpec, serverFieldsOf, specOf, toMonitor } from './monitor-mapper';
import { MonitorEntity } from './monitor.entity';
import { MonitorQuota } from './monitor-quota';
import { MonitorRepository } from './monitor.repository';
import { pageOf } from './page-cursor';

const DUPLICATE = 'You already have a monitor for this method and URL.';

/** The rules of a monitor's life: validation, ownership, uniqueness, and an event per change. */
@Injectable()
export class MonitorsService {
  constructor(
    private readonly em: EntityManager,
    private readonly monitors: MonitorRepository,
    private readonly relay: MonitorEventRelay,
    private readonly quota: MonitorQuota,
    private readonly budget: PayloadBudget,
  ) {}

  async create(ownerId: string, body: unknown): Promise<Monitor> {
    const validated = validateMonitorCreate(body);
    if (!validated.ok) throw rpcProblem(Problems.validation(validated.errors));
    const spec = validated.value;
    if (await this.monitors.findByTarget(ownerId, spec.method, spec.url)) {
      throw rpcProblem(Problems.conflict(DUPLICATE));
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
    const validated = validateMonitorCreateMany({ monitors: bodies });
    if (!validated.ok) throw rpcProblem(Problems.validation(validated.errors));
    const specs = validated.value;
    const existing = await this.monitors.existingTargets(ownerId, specs);
    const taken = specs
      .map((spec, i) => (existing.has(`${spec.method} ${spec.url}`) ? `monitors[${i}]` : null))
      .filter((at): at is string => at !== null);
    if (taken.length) throw rpcProblem(Problems.conflict(`${DUPLICATE} (${taken.join(', ')})`));
    const entities = specs.map((spec) => newMonitor(ownerId, spec));
    await this.insert(ownerId, entities);
    return { items: entities.map(serverFieldsOf) };
  }

  /** Saves new monitors and their `created` events, all or none, within the owner's quota. */
  private async insert(ownerId: string, entities: MonitorEntity[]): Promise<void> {
    try {
      await this.em.transactional(async (em) => {
        await this.quota.reserve(em, ownerId, entities.length);
        em.persist(entities);
        await em.flush();
        for (const entity of entities)
          recordMonitorEvent(em, 'created', entity.ownerId, toMonitor(entity));
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException)
        throw rpcProblem(Problems.conflict(DUPLICATE));
      throw err;
    }
    this.relay.kick();
  }

  /** Lists are paged by count and by bytes, so a page of large monitors still fits a message. */
  async list(ownerId: string, limit: number, cursor?: string): Promise<Page<Monitor>> {
    const budget = this.budget.pageBytes;
    const rows = await this.monitors.pageByOwner(ownerId, limit, budget, requestCursor(cursor));
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
    const validated = validateMonitorPatch(body);
    if (!validated.ok) throw rpcProblem(Problems.validation(validated.errors));
    const entity = await this.owned(ownerId, monitorId);
    const current = specOf(entity);
    const next = monitorSpecWithPatch(current, validated.value);
    const errors = crossFieldErrors(next);
    if (errors.length) throw rpcProblem(Problems.validation(errors));
    if (sameSpec(current, next)) return toMonitor(entity);
    if (
      (next.url !== current.url || next.method !== current.method) &&
      (await this.monitors.findByTarget(ownerId, next.method, next.url, entity.id))
    ) {
      throw rpcProblem(Problems.conflict(DUPLICATE));
    }
    assignSpec(entity, next);
    if (next.paused !== current.paused) entity.status = next.paused ? 'paused' : 'pending';
    return this.commit(entity, 'updated');
  }

  /** Pausing a paused monitor (or resuming a running one) changes nothing and emits nothing. */
  async setPaused(ownerId: string, monitorId: string, paused: boolean): Promise<Monitor> {
    const entity = await this.owned(ownerId, monitorId);
    if (entity.paused === paused) return toMonitor(entity);
    entity.paused = paused;
    entity.status = paused ? 'paused' : 'pending';
    return this.commit(entity, paused ? 'paused' : 'resumed');
  }

  async remove(ownerId: string, monitorId: string): Promise<void> {
    const entity = await this.owned(ownerId, monitorId);
    await this.em.transactional(async (em) => {
      const last = { ...toMonitor(entity), version: entity.version + 1 };
      await em.nativeDelete(MonitorEntity, { id: entity.id });
      recordMonitorEvent(em, 'deleted', ownerId, last);
    });
    this.relay.kick();
  }

  /** Drops a deleted channel from every monitor of its owner; each change is an `updated` event. */
  async removeChannel(ownerId: string, channelId: string): Promise<number> {
    const affected = await this.monitors.findUsingChannel(ownerId, channelId);
    for (const entity of affected) {
      entity.channelIds = entity.channelIds.filter((id) => id !== channelId);
      await this.commit(entity, 'updated');
    }
    return affected.length;
  }

  async pageActive(limit: number, cursor?: string): Promise<Page<Monitor>> {
    const budget = this.budget.pageBytes;
    const rows = await this.monitors.pageActive(limit, budget, requestCursor(cursor));
    return pageOf(rows, limit, budget, toMonitor);
  }

  /** Another owner's monitor answers exactly like a missing one, so ids leak nothing. */
  private async owned(ownerId: string, monitorId: string): Promise<MonitorEntity> {
    const entity = await this.monitors.findOwned(ownerId, monitorId);
    if (!entity) throw rpcProblem(Problems.notFound('The monitor'));
    return entity;
  }

  /** Saves the change and its event in one transaction, then nudges the relay. */
  private async commit(entity: MonitorEntity, kind: MonitorEventKind): Promise<Monitor> {
    if (kind !== 'created') {
      entity.version += 1;
      entity.updatedAt = new Date();
    }
    try {
      await this.em.transactional(async (em) => {
        em.persist(entity);
        await em.flush();
        recordMonitorEvent(em, kind, entity.ownerId, toMonitor(entity));
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException)
        throw rpcProblem(Problems.conflict(DUPLICATE));
      throw err;
    }
    this.relay.kick();
    return toMonitor(entity);
  }
}

function newMonitor(ownerId: string, spec: MonitorSpec): MonitorEntity {
  const entity = new MonitorEntity();
  entity.ownerId = ownerId;
  assignSpec(entity, spec);
  entity.status = spec.paused ? 'paused' : 'pending';
  return entity;
}
