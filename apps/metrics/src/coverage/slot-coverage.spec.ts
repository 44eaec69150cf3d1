import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { type CheckResult, type MissedReason, type MissedSlot, phaseOf } from '@uptime/contracts';
import { createChdbConnection } from 'chdb/connection';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CheckStore } from '../checks/check-store';
import { CheckWriter } from '../checks/check-writer';
import { ChecksDatabase } from '../checks/checks-database';
import { migrateClickHouse } from '../checks/clickhouse-schema';
import { MissedSlotWriter } from '../checks/missed-slot-writer';
import { MonitorErasure } from '../checks/monitor-erasure';
import { SlotCoverage } from './slot-coverage';

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

const DATABASE = 'slot_coverage_spec';
const OWNER = '5b0c1a52-7a0e-4f4b-9d55-0f3c3e2b8a11';
const INTERVAL_MS = 60_000;

describe(SlotCoverage.name, () => {
  let dataDir: string;
  let client: ClickHouseClient;
  let coverage: SlotCoverage;
  let checks: CheckWriter;
  let missed: MissedSlotWriter;
  let store: CheckStore;
  let erasure: MonitorErasure;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'slot-coverage-spec-'));
    const connection = createChdbConnection({ path: dataDir }) as unknown as ClientConnection;
    client = createClient({ connection });
    await migrateClickHouse(client, { database: DATABASE, rawRetentionDays: 3650 });
    const database = new ChecksDatabase(client, DATABASE);
    coverage = new SlotCoverage(database);
    checks = new CheckWriter(database);
    missed = new MissedSlotWriter(database);
    store = new CheckStore(database);
    erasure = new MonitorErasure(database);
  });
  after(async () => {
    await client?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Ten slots of a monitor, an hour ago, as (monitor id, slot times). */
  function tenSlots(): { monitorId: string; slots: number[]; from: number; to: number } {
    const monitorId = randomUUID();
    const phase = phaseOf(monitorId, INTERVAL_MS);
    const base = Math.floor((Date.now() - 3_600_000) / INTERVAL_MS) * INTERVAL_MS + phase;
    const slots = Array.from({ length: 10 }, (_, i) => base + i * INTERVAL_MS);
    return { monitorId, slots, from: base, to: base + 10 * INTERVAL_MS };
  }

  function checkAt(monitorId: string, slot: number, lagMs = 50): CheckResult {
    return {
      id: randomUUID(),
      monitorId,
      ownerId: OWNER,
      region: 'local',
      scheduledAt: new Date(slot).toISOString(),
      startedAt: new Date(slot + lagMs).toISOString(),
      outcome: 'up',
      errorKind: null,
      httpStatus: 200,
      latencyMs: 10,
      timings: { dnsMs: null, connectMs: 1, tlsMs: null, firstByteMs: 5, transferMs: 1 },
      sizeBytes: 10,
      message: null,
      assertions: [],
      certificateExpiresAt: null,
      onDemand: false,
      inMaintenance: false,
    };
  }

  function missedAt(
    monitorId: string,
    slot: number,
    reason: MissedReason,
    checkId: string = randomUUID(),
  ): MissedSlot {
    return {
      checkId,
      monitorId,
      ownerId: OWNER,
      region: 'local',
      scheduledAt: new Date(slot).toISOString(),
      reason,
      recordedAt: new Date(slot + INTERVAL_MS).toISOString(),
    };
  }

  function ask(monitorId: string, from: number, to: number, regions: string[] = []) {
    return coverage.of({
      monitorId,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      intervalSeconds: INTERVAL_MS / 1000,
      regions,
      since: new Date(from - 86_400_000).toISOString(),
    });
  }

  it('should count expected, run, late and missed slots by reason, each slot once', async () => {
    const { monitorId, slots, from, to } = tenSlots();
    // Slots 0-3 on time, 4-5 late, 6 missed late, 7 no prober, 8 dropped (recorded twice),
    // 9 recorded missed but its check ran after all.
    const ran = [0, 1, 2, 3].map((i) => checkAt(monitorId, slots[i]!));
    const late = [4, 5].map((i) => checkAt(monitorId, slots[i]!, 5_000));
    const afterAll = checkAt(monitorId, slots[9]!);
    await checks.insert([...ran, ...late, afterAll]);
    const dropped = missedAt(monitorId, slots[8]!, 'dropped');
    await missed.insert([
      missedAt(monitorId, slots[6]!, 'late'),
      missedAt(monitorId, slots[7]!, 'no_prober'),
      dropped,
      missedAt(monitorId, slots[9]!, 'late', afterAll.id),
    ]);
    await missed.insert([dropped]);

    const answer = await ask(monitorId, from, to);
    assert.equal(answer.expected, 10);
    assert.equal(answer.run, 7);
    assert.equal(answer.late, 2);
    assert.equal(answer.missed, 3);
    assert.deepEqual(answer.missedByReason, { late: 1, no_prober: 1, dropped: 1, unpublished: 0 });
    assert.equal(answer.stored, 10);
    assert.equal(answer.coveragePercent, 70);
  });

  it('should leave missed slots out of uptime and downtime', async () => {
    const { monitorId, slots, to } = tenSlots();
    await checks.insert([checkAt(monitorId, slots[0]!)]);
    await missed.insert(slots.slice(1).map((s) => missedAt(monitorId, s, 'dropped')));
    const stats = await store.stats(monitorId, '24h', new Date(to));
    assert.equal(stats.totalChecks, 1);
    assert.equal(stats.failedChecks, 0);
    assert.equal(stats.uptimePercent, 100);
  });

  it('should expect slots per region and only since the monitor exists', async () => {
    const { monitorId, from, to } = tenSlots();
    const twoRegions = await ask(monitorId, from, to, ['eu', 'us']);
    assert.equal(twoRegions.expected, 20);
    const answer = await coverage.of({
      monitorId,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      intervalSeconds: 60,
      regions: [],
      since: new Date(from + 4.5 * INTERVAL_MS).toISOString(),
    });
    assert.equal(answer.expected, 5);
    assert.equal(answer.coveragePercent, 0);
  });

  it('should forget the missed slots of a deleted monitor and refuse late ones', async () => {
    const { monitorId, slots, from, to } = tenSlots();
    await missed.insert([missedAt(monitorId, slots[0]!, 'late')]);
    await erasure.forgetMonitor(monitorId);
    await missed.insert([missedAt(monitorId, slots[1]!, 'late')]);
    assert.equal((await ask(monitorId, from, to)).missed, 0);
  });
});
