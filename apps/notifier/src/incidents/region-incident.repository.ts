import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SlotObservation } from './region-health';
import { RegionIncidentEntity, RegionSlotObservationEntity } from './region-incident.entity';

/** Region slot observations and region incidents, in the caller's transaction. */
@Injectable()
export class RegionIncidentRepository {
  constructor(private readonly em: EntityManager) {}

  /** A slot is decided once; a second write of it (a replay) changes nothing. */
  async observe(observation: SlotObservation): Promise<void> {
    await this.em.execute(
      `insert into "notifier"."region_slot_observations" ("monitor_id", "scheduled_at", "owner_id", "answered", "failing") values (?, ?, ?, ?, ?) on conflict do nothing`,
      [
        observation.monitorId,
        new Date(observation.scheduledAt),
        observation.ownerId,
        JSON.stringify(observation.answered),
        JSON.stringify(observation.failing),
      ],
      'run',
    );
  }

  async observationsBetween(from: Date, to: Date): Promise<SlotObservation[]> {
    const rows = await this.em.find(RegionSlotObservationEntity, {
      scheduledAt: { $gte: from, $lte: to },
    });
    return rows.map((r) => ({
      monitorId: r.monitorId,
      ownerId: r.ownerId,
      scheduledAt: r.scheduledAt.toISOString(),
      answered: r.answered,
      failing: r.failing,
    }));
  }

  /**
   * Monitors and owners with a multi-region slot observed since `since`: an upper bound of those
   * a judgement could count in any region.
   */
  async activitySince(since: Date): Promise<{ monitors: number; owners: number }> {
    const [row] = await this.em.execute<{ monitors: string; owners: string }[]>(
      `select count(distinct "monitor_id") as "monitors", count(distinct "owner_id") as "owners" from "notifier"."region_slot_observations" where "scheduled_at" >= ?`,
      [since],
      'all',
    );
    return { monitors: Number(row?.monitors ?? 0), owners: Number(row?.owners ?? 0) };
  }

  async pruneObservations(before: Date): Promise<number> {
    return this.em.nativeDelete(RegionSlotObservationEntity, { scheduledAt: { $lt: before } });
  }

  /** Incidents opened in [from, to], newest first. */
  listOpenedBetween(
    range: { from?: Date; to?: Date },
    limit: number,
  ): Promise<RegionIncidentEntity[]> {
    const startedAt = {
      ...(range.from ? { $gte: range.from } : {}),
      ...(range.to ? { $lte: range.to } : {}),
    };
    return this.em.find(RegionIncidentEntity, range.from || range.to ? { startedAt } : {}, {
      orderBy: { startedAt: 'desc', id: 'asc' },
      limit,
    });
  }

  listOpen(): Promise<RegionIncidentEntity[]> {
    return this.em.find(RegionIncidentEntity, { state: 'open' }, { orderBy: { region: 'asc' } });
  }

  /**
   * Opens the region's incident unless one is open already (another replica, another held
   * slot): answers the new incident, or null when it was not this call that opened it.
   */
  async openIfNone(
    region: string,
    startedAt: Date,
    counts: { monitors: number; suspects: number },
  ): Promise<RegionIncidentEntity | null> {
    const id = randomUUID();
    const inserted: unknown[] = await this.em.execute(
      `insert into "notifier"."region_incidents" ("id", "region", "state", "started_at", "monitors", "suspects") values (?, ?, 'open', ?, ?, ?) on conflict do nothing returning "id"`,
      [id, region, startedAt, counts.monitors, counts.suspects],
      'all',
    );
    if (inserted.length === 0) return null;
    return this.em.findOneOrFail(RegionIncidentEntity, { id });
  }

  /** Locks the open incident of a region, for the one transaction that resolves it. */
  lockOpen(id: string): Promise<RegionIncidentEntity | null> {
    return this.em.findOne(
      RegionIncidentEntity,
      { id, state: 'open' },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
  }
}
