import { LockMode, type QBFilterQuery, type QueryOrderMap, raw } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import {
  type KeysetPosition,
  monitorTarget,
  type MonitorTargetFields,
  type MonitorSummary,
} from '@uptime/contracts';
import { insertRows, keysetAfter } from '@uptime/persistence';
import { MonitorCountEntity } from './monitor-count.entity';
import { MonitorEntity } from './monitor.entity';

/** Monitors in PostgreSQL; the only place that knows how lists are keyed and ordered. */
@Injectable()
export class MonitorRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Inserts new monitors and writes the changes of loaded ones. A monitor whose method and URL
   * its owner already monitors is refused with a duplicate key (`isDuplicateKey`).
   */
  async save(...monitors: MonitorEntity[]): Promise<void> {
    this.em.persist(monitors);
    await this.em.flush();
  }

  /**
   * Inserts new monitors (`newMonitor`) with one statement, however many: a bulk create of a
   * thousand through `save` spent about 1 ms of CPU per monitor tracking and diffing entities.
   * They are not tracked afterwards. A repeated target or key is refused as in `save`.
   */
  async insertNew(monitors: readonly MonitorEntity[]): Promise<void> {
    await insertRows(this.em, MonitorEntity, monitors);
  }

  async delete(id: string): Promise<void> {
    await this.em.nativeDelete(MonitorEntity, { id });
  }

  /**
   * How many monitors the owner has, read under a lock on the owner's count (its row in
   * `monitor_counts`), held until the transaction this runs in ends: two concurrent creations
   * count one after the other, and a deletion's trigger waits for the creation to commit. The
   * row is created first when the team has none, so that there is a row to lock.
   */
  async countOwnedLocked(ownerId: string): Promise<number> {
    await this.em
      .createQueryBuilder(MonitorCountEntity)
      .insert({ ownerId, owned: 0 })
      .onConflict('ownerId')
      .ignore()
      .execute();
    const row = await this.em
      .createQueryBuilder(MonitorCountEntity)
      .select('owned')
      .where({ ownerId })
      .setLockMode(LockMode.PESSIMISTIC_WRITE)
      .execute<{ owned: number } | undefined>('get');
    return row?.owned ?? 0;
  }

  findAllOwned(ownerId: string): Promise<MonitorEntity[]> {
    return this.em.find(MonitorEntity, { ownerId });
  }

  async deleteAllOwned(ownerId: string): Promise<void> {
    await this.em.nativeDelete(MonitorEntity, { ownerId });
  }

  /** The team's monitors among `ids`, by id, with their names. */
  async namesOwned(ownerId: string, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const found = await this.em.find(
      MonitorEntity,
      { ownerId, id: { $in: [...ids] } },
      { fields: ['id', 'name'] },
    );
    return new Map(found.map((m) => [m.id, m.name]));
  }

  /** The owner's monitors among `ids`: their ids only, as plain rows (no entity is loaded). */
  async idsOwned(ownerId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.em
      .createQueryBuilder(MonitorEntity)
      .select(['id'])
      .where({ ownerId, id: { $in: [...ids] } })
      .execute<Pick<MonitorEntity, 'id'>[]>('all');
    return new Set(rows.map((r) => r.id));
  }

  findOwned(ownerId: string, id: string): Promise<MonitorEntity | null> {
    return this.em.findOne(MonitorEntity, { id, ownerId });
  }

  /** The owner's monitor of this target (`monitorTarget`): method, URL and dns record type. */
  async findByTarget(
    ownerId: string,
    target: MonitorTargetFields,
    exceptId?: string,
  ): Promise<MonitorEntity | null> {
    const candidates = await this.em.find(MonitorEntity, {
      ownerId,
      method: target.method,
      url: target.url,
      ...(exceptId ? { id: { $ne: exceptId } } : {}),
    });
    const wanted = monitorTarget(target);
    return candidates.find((m) => monitorTarget(m) === wanted) ?? null;
  }

  findByKey(ownerId: string, key: string, exceptId?: string): Promise<MonitorEntity | null> {
    return this.em.findOne(MonitorEntity, {
      ownerId,
      key,
      ...(exceptId ? { id: { $ne: exceptId } } : {}),
    });
  }

  /** The heartbeat monitor with this ping token (unique), whoever owns it. */
  findByPingToken(pingToken: string): Promise<MonitorEntity | null> {
    return this.em.findOne(MonitorEntity, { pingToken });
  }

  /**
   * Every monitor of the owner, for a configuration document applied as a whole. Bounded by the
   * owner's quota (MAX_MONITORS_PER_USER), so it is loaded at once.
   */
  allOwned(ownerId: string): Promise<MonitorEntity[]> {
    return this.em.find(MonitorEntity, { ownerId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  async deleteMany(ids: string[]): Promise<void> {
    if (ids.length) await this.em.nativeDelete(MonitorEntity, { id: { $in: ids } });
  }

  /**
   * Which of these targets (as `monitorTarget` keys) and which of these keys the owner's monitors
   * already have, with one query of plain rows: a bulk create checks a thousand at once.
   */
  async taken(
    ownerId: string,
    specs: readonly (MonitorTargetFields & { key: string | null })[],
  ): Promise<{ targets: Set<string>; keys: Set<string> }> {
    const keys = [...new Set(specs.map((s) => s.key).filter((k): k is string => k !== null))];
    // Method and URL both, so the target index is searched rather than all the owner's rows.
    const sameTarget = {
      method: { $in: [...new Set(specs.map((s) => s.method))] },
      url: { $in: [...new Set(specs.map((s) => s.url))] },
    };
    const rows = await this.em
      .createQueryBuilder(MonitorEntity)
      .select(['method', 'url', 'dns', 'key'])
      .where({ ownerId, $or: [sameTarget, ...(keys.length ? [{ key: { $in: keys } }] : [])] })
      .execute<Pick<MonitorEntity, 'method' | 'url' | 'dns' | 'key'>[]>('all');
    return {
      targets: new Set(rows.map(monitorTarget)),
      keys: new Set(rows.map((r) => r.key).filter((k): k is string => k !== null)),
    };
  }

  /** The owner's monitors that name the channel, as one of theirs or in an escalation step. */
  findUsingChannel(ownerId: string, channelId: string): Promise<MonitorEntity[]> {
    // jsonb containment on both columns: `@>` finds the id inside any step's list.
    const inSteps = JSON.stringify({ escalation: [{ channelIds: [channelId] }] });
    return this.em
      .createQueryBuilder(MonitorEntity, 'm')
      .where({ ownerId })
      .andWhere('(m.channel_ids @> ?::jsonb or m.alert_policy @> ?::jsonb)', [
        JSON.stringify([channelId]),
        inSteps,
      ])
      .getResultList();
  }

  /**
   * Oldest first, keyed by (createdAt, id) so concurrent inserts never shift a page. Every list
   * here returns up to `limit + 1` rows: the one past the page tells that more follow. Full
   * monitors are loaded only as far as about `budget` bytes of them reach (see `loadWithin`).
   */
  pageByOwner(
    ownerId: string,
    limit: number,
    budget: number,
    after?: KeysetPosition,
    key?: string,
  ): Promise<MonitorEntity[]> {
    return this.loadWithin(
      {
        ownerId,
        ...(key !== undefined ? { key } : {}),
        ...keysetAfter('createdAt', after, 'asc'),
      },
      { createdAt: 'asc', id: 'asc' },
      limit,
      budget,
    );
  }

  /**
   * The owner's monitors as summaries, in the order and pages of `pageByOwner`. Plain rows, not
   * entities: hydrating a thousand full monitors took most of a dashboard's 60 ms.
   */
  summariesByOwner(
    ownerId: string,
    limit: number,
    after?: KeysetPosition,
  ): Promise<(MonitorSummary & { createdAt: Date })[]> {
    return this.em
      .createQueryBuilder(MonitorEntity)
      .select(['id', 'name', 'url', 'paused', 'createdAt'])
      .where({
        ownerId,
        ...keysetAfter('createdAt', after, 'asc'),
      })
      .orderBy({ createdAt: 'asc', id: 'asc' })
      .limit(limit + 1)
      .execute<(MonitorSummary & { createdAt: Date })[]>('all');
  }

  /** Every monitor that should be checked, for services that rebuild their state at start. */
  pageActive(limit: number, budget: number, after?: KeysetPosition): Promise<MonitorEntity[]> {
    return this.loadWithin(
      { paused: false, ...(after ? { id: { $gt: after.id } } : {}) },
      { id: 'asc' },
      limit,
      budget,
    );
  }

  /**
   * Up to `limit + 1` monitors in list order, but only as many as about `budget` bytes of JSON
   * reach, plus the next one: their sizes are read first, without the monitors, so a page of a
   * few large monitors never loads a thousand of them (128 KB each) to send four.
   */
  private async loadWithin(
    where: QBFilterQuery<MonitorEntity>,
    orderBy: QueryOrderMap<MonitorEntity>,
    limit: number,
    budget: number,
  ): Promise<MonitorEntity[]> {
    const sized = await this.em
      .createQueryBuilder(MonitorEntity)
      .select([raw(ESTIMATED_JSON_BYTES)])
      .where(where)
      .orderBy(orderBy)
      .limit(limit + 1)
      .execute<{ bytes: number | string }[]>('all');
    let bytes = 0;
    let fit = 0;
    while (fit < sized.length && (fit === 0 || bytes + Number(sized[fit]!.bytes) <= budget)) {
      bytes += Number(sized[fit]!.bytes);
      fit++;
    }
    if (sized.length === 0) return [];
    // The same range again with a smaller limit: cheaper than looking up a thousand ids.
    return this.em.find(MonitorEntity, where, { orderBy, limit: Math.min(fit + 1, limit + 1) });
  }
}

/**
 * About how many bytes a monitor takes as JSON: the raw lengths of the fields that vary, and 600
 * for the rest (a plain monitor is ~650 bytes). An estimate only decides how many rows to load;
 * the page itself is cut by the exact size of each monitor.
 */
const ESTIMATED_JSON_BYTES = `octet_length(url) + octet_length(name) + coalesce(octet_length(body), 0)
  + octet_length(headers::text) + octet_length(assertions::text)
  + coalesce(octet_length(keyword::text), 0) + coalesce(octet_length(dns::text), 0)
  + coalesce(octet_length(heartbeat::text), 0) + coalesce(octet_length(ping_token), 0)
  + octet_length(channel_ids::text)
  + octet_length(regions::text) + 600 as bytes`;
