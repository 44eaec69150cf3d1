import { type ClickHouseClient, createClient } from '@clickhouse/client';
import type { CheckResult, ChecksQuery } from '@uptime/contracts';
import { createChdbConnection } from 'chdb/connection';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toCheckRow, toClickHouseTime } from './check-rows';
import { bucketFor, CheckStore, InvalidCursorError } from './check-store';
import { CheckWriter } from './check-writer';
import { ChecksDatabase } from './checks-database';
import { migrateClickHouse } from './clickhouse-schema';
import { MonitorErasure } from './monitor-erasure';

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

const DATABASE = 'check_store_spec';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Yesterday noon UTC: in the past (no TTL surprise) and aligned to every bucket. */
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY - 12 * HOUR);

function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString();
}

function check(monitorId: string, overrides: Partial<CheckResult> = {}): CheckResult {
  const scheduledAt = overrides.scheduledAt ?? ago(MINUTE);
  return {
    id: randomUUID(),
    monitorId,
    ownerId: '5b0c1a52-7a0e-4f4b-9d55-0f3c3e2b8a11',
    region: 'local',
    scheduledAt,
    startedAt: new Date(Date.parse(scheduledAt) + 1000).toISOString(),
    outcome: 'up',
    errorKind: null,
    httpStatus: 200,
    latencyMs: 100,
    timings: { dnsMs: 1.5, connectMs: 2.25, tlsMs: null, firstByteMs: 40.5, transferMs: 3 },
    sizeBytes: 512,
    message: null,
    assertions: [{ type: 'status', expected: ['200-299'], actual: 200, passed: true }],
    certificateExpiresAt: null,
    onDemand: false,
    inMaintenance: false,
    ...overrides,
  };
}

/** A check that failed: outcome down with the given reason. */
function down(monitorId: string, overrides: Partial<CheckResult> = {}): CheckResult {
  return check(monitorId, {
    outcome: 'down',
    errorKind: 'timeout',
    httpStatus: null,
    ...overrides,
  });
}

/** The prober could not check at all; such a result must count nowhere. */
function proberError(monitorId: string, overrides: Partial<CheckResult> = {}): CheckResult {
  return down(monitorId, { errorKind: 'prober_error', latencyMs: 5000, ...overrides });
}

function query(overrides: Partial<ChecksQuery> = {}): ChecksQuery {
  return { sort: 'desc', limit: 50, ...overrides };
}

describe('Checks in embedded ClickHouse', () => {
  let dataDir: string;
  let client: ClickHouseClient;
  let store: CheckStore;
  let writer: CheckWriter;
  let erasure: MonitorErasure;

  async function rows<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const result = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  }

  /** The monitor's rows in each table that has a monitor_id (views only feed tables: left out). */
  async function rowsOf(monitorId: string): Promise<Record<string, number>> {
    const tables = await rows<{ table: string }>(
      `SELECT c.table AS table FROM system.columns AS c
       JOIN system.tables AS t ON t.database = c.database AND t.name = c.table
       WHERE c.database = {db:String} AND c.name = 'monitor_id' AND t.engine NOT LIKE '%View'
       ORDER BY c.table`,
      { db: DATABASE },
    );
    const counts: Record<string, number> = {};
    for (const { table } of tables) {
      const [row] = await rows<{ n: string }>(
        `SELECT count() AS n FROM ${DATABASE}.${table} WHERE monitor_id = {m:UUID}`,
        { m: monitorId },
      );
      counts[table] = Number(row?.n);
    }
    return counts;
  }

  before(async () => {
    // chDB holds one data directory per process: one client for the whole file.
    dataDir = mkdtempSync(join(tmpdir(), 'check-store-spec-'));
    const connection = createChdbConnection({ path: dataDir }) as unknown as ClientConnection;
    client = createClient({ connection });
    await migrateClickHouse(client, { database: DATABASE, rawRetentionDays: 3650 });
    const database = new ChecksDatabase(client, DATABASE);
    store = new CheckStore(database);
    writer = new CheckWriter(database);
    erasure = new MonitorErasure(database);
  });

  after(async () => {
    await client?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  describe('schema', () => {
    const schemaOf = () =>
      rows<{ name: string; create_table_query: string }>(
        `SELECT name, create_table_query FROM system.tables WHERE database = {db:String} ORDER BY name`,
        { db: DATABASE },
      );
    const mutationsOf = () =>
      rows<{ n: string }>(
        `SELECT count() AS n FROM system.mutations WHERE database = {db:String}`,
        {
          db: DATABASE,
        },
      );

    it('creates the raw table, both rollups, the latest checks, the views that feed them, the deleted-monitor list and the missed slots', async () => {
      const names = (await schemaOf()).map((t) => t.name);
      assert.deepEqual(names, [
        'checks',
        'checks_1h',
        'checks_1h_mv',
        'checks_1m',
        'checks_1m_mv',
        'checks_latest',
        'checks_latest_mv',
        'deleted_monitors',
        'missed_slots',
      ]);
    });

    it('keeps small granules where reads are one monitor range, so a read decodes few other monitors', async () => {
      const granules = Object.fromEntries(
        (await schemaOf()).map((t) => [
          t.name,
          /index_granularity = (\d+)/.exec(t.create_table_query)?.[1],
        ]),
      );
      assert.equal(granules.checks, '1024');
      assert.equal(granules.checks_1m, '1024');
      assert.equal(granules.checks_1h, '256');
      assert.equal(granules.checks_latest, '128');
    });

    it('changes nothing when migrated a second time', async () => {
      const schema = await schemaOf();
      const mutations = await mutationsOf();
      await migrateClickHouse(client, { database: DATABASE, rawRetentionDays: 3650 });
      assert.deepEqual(await schemaOf(), schema);
      assert.deepEqual(await mutationsOf(), mutations);
    });

    it('applies a changed raw retention to the existing table', async () => {
      await migrateClickHouse(client, { database: DATABASE, rawRetentionDays: 3000 });
      const changed = (await schemaOf()).find((t) => t.name === 'checks');
      assert.match(changed?.create_table_query ?? '', /toIntervalDay\(3000\)/);
      await migrateClickHouse(client, { database: DATABASE, rawRetentionDays: 3650 });
      const restored = (await schemaOf()).find((t) => t.name === 'checks');
      assert.match(restored?.create_table_query ?? '', /toIntervalDay\(3650\)/);
    });
    it('upgrades a second-precision inserted_at to milliseconds, and fills it on insert', async () => {
      const legacy = `${DATABASE}_legacy`;
      await migrateClickHouse(client, { database: legacy, rawRetentionDays: 3650 });
      await client.command({
        query: `ALTER TABLE ${legacy}.checks MODIFY COLUMN inserted_at DateTime('UTC') DEFAULT now()`,
      });
      await migrateClickHouse(client, { database: legacy, rawRetentionDays: 3650 });
      const [column] = await rows<{ type: string }>(
        `SELECT type FROM system.columns WHERE database = {db:String} AND table = 'checks' AND name = 'inserted_at'`,
        { db: legacy },
      );
      assert.equal(column?.type, "DateTime64(3, 'UTC')");
      const before = Date.now();
      await new CheckWriter(new ChecksDatabase(client, legacy)).insert([check(randomUUID())]);
      const [row] = await rows<{ ms: string }>(
        `SELECT toUnixTimestamp64Milli(inserted_at) AS ms FROM ${legacy}.checks`,
      );
      assert.ok(Math.abs(Number(row?.ms) - before) < 5000, `inserted_at ${row?.ms} vs ${before}`);
      await client.command({ query: `DROP DATABASE ${legacy}` });
    });

    it('adds the assertions column to a table that predates it, where old checks read as none', async () => {
      const legacy = `${DATABASE}_before_assertions`;
      await migrateClickHouse(client, { database: legacy, rawRetentionDays: 3650 });
      await client.command({ query: `ALTER TABLE ${legacy}.checks DROP COLUMN assertions` });
      const old = down(randomUUID(), { errorKind: 'http_status', httpStatus: 500 });
      const { assertions: _none, ...oldRow } = toCheckRow(old);
      await client.insert({ table: `${legacy}.checks`, values: [oldRow], format: 'JSONEachRow' });

      await migrateClickHouse(client, { database: legacy, rawRetentionDays: 3650 });

      const page = await new CheckStore(new ChecksDatabase(client, legacy)).list(
        old.monitorId,
        query(),
      );
      assert.deepEqual(page.items, [{ ...old, assertions: [] }]);
      await client.command({ query: `DROP DATABASE ${legacy}` });
    });
    it('gives a latest-checks table that predates certificates the column, a view that fills it and the expiry of older checks', async () => {
      const legacy = `${DATABASE}_before_certificates`;
      await migrateClickHouse(client, { database: legacy, rawRetentionDays: 3650 });
      // checks_latest and its view as they were before the certificate column.
      await client.command({ query: `DROP VIEW ${legacy}.checks_latest_mv` });
      await client.command({ query: `DROP TABLE ${legacy}.checks_latest` });
      await client.command({
        query: `CREATE TABLE ${legacy}.checks_latest (
          monitor_id UUID,
          last_check AggregateFunction(argMax,
            Tuple(DateTime64(3, 'UTC'), Enum8('up' = 1, 'degraded' = 2, 'down' = 3), Float32),
            Tuple(DateTime64(3, 'UTC'), DateTime64(3, 'UTC')))
        ) ENGINE = AggregatingMergeTree ORDER BY monitor_id
        SETTINGS index_granularity = 128 COMMENT 'backfilled'`,
      });
      await client.command({
        query: `CREATE MATERIALIZED VIEW ${legacy}.checks_latest_mv TO ${legacy}.checks_latest AS
          SELECT monitor_id,
            argMaxState((started_at, outcome, latency_ms), (scheduled_at, started_at)) AS last_check
          FROM ${legacy}.checks WHERE error_kind != 'prober_error' GROUP BY monitor_id`,
      });
      const database = new ChecksDatabase(client, legacy);
      const m = randomUUID();
      const old = check(m, {
        scheduledAt: ago(20 * MINUTE),
        certificateExpiresAt: '2027-01-01T00:00:00.000Z',
      });
      await new CheckWriter(database).insert([old]);

      await migrateClickHouse(client, { database: legacy, rawRetentionDays: 3650 });

      const columns = await rows<{ name: string }>(
        `SELECT name FROM system.columns WHERE database = {db:String} AND table = 'checks_latest' ORDER BY position`,
        { db: legacy },
      );
      assert.deepEqual(
        columns.map((c) => c.name),
        ['monitor_id', 'last_check', 'last_certificate'],
      );
      const legacyStore = new CheckStore(database);
      const [before] = await legacyStore.latest([m], NOW);
      assert.equal(before?.lastCheckedAt, old.startedAt);
      assert.equal(before?.certificateExpiresAt, '2027-01-01T00:00:00.000Z');
      // The replaced view fills the column from now on.
      const renewed = check(m, {
        scheduledAt: ago(10 * MINUTE),
        certificateExpiresAt: '2027-04-01T00:00:00.000Z',
      });
      await new CheckWriter(database).insert([renewed]);
      const [after] = await legacyStore.latest([m], NOW);
      assert.equal(after?.lastCheckedAt, renewed.startedAt);
      assert.equal(after?.certificateExpiresAt, '2027-04-01T00:00:00.000Z');
      const stats = await legacyStore.stats(m, '1h', NOW);
      assert.equal(stats.totalChecks, 2);
      assert.equal(stats.certificateExpiresAt, '2027-04-01T00:00:00.000Z');
      await client.command({ query: `DROP DATABASE ${legacy}` });
    });

    it('adds in_maintenance to a table and rollup views that predate it, and leaves maintenance out of the rollups from then on', async () => {
      const legacy = `${DATABASE}_before_maintenance`;
      await migrateClickHouse(client, { database: legacy, rawRetentionDays: 3650 });
      for (const { table, bucket } of [
        { table: 'checks_1m', bucket: 'toStartOfMinute' },
        { table: 'checks_1h', bucket: 'toStartOfHour' },
      ])
        await client.command({
          query: `ALTER TABLE ${legacy}.${table}_mv MODIFY QUERY SELECT monitor_id, ${bucket}(toDateTime(scheduled_at, 'UTC')) AS bucket, count() AS checks, countIf(outcome = 'down') AS down, countIf(outcome = 'degraded') AS degraded, sum(toFloat64(latency_ms)) AS latency_sum, quantilesState(0.5, 0.95, 0.99)(latency_ms) AS latency_quantiles FROM ${legacy}.checks WHERE error_kind != 'prober_error' GROUP BY monitor_id, bucket`,
        });
      await client.command({ query: `ALTER TABLE ${legacy}.checks DROP COLUMN in_maintenance` });
      const old = down(randomUUID(), { scheduledAt: ago(2 * DAY) });
      const { in_maintenance: _none, ...oldRow } = toCheckRow(old);
      await client.insert({ table: `${legacy}.checks`, values: [oldRow], format: 'JSONEachRow' });

      await migrateClickHouse(client, { database: legacy, rawRetentionDays: 3650 });
      const legacyStore = new CheckStore(new ChecksDatabase(client, legacy));
      await new CheckWriter(new ChecksDatabase(client, legacy)).insert([
        down(old.monitorId, { scheduledAt: ago(2 * DAY - HOUR), inMaintenance: true }),
      ]);

      const page = await legacyStore.list(old.monitorId, query());
      assert.deepEqual(
        page.items.map((c) => c.inMaintenance),
        [true, false],
      );
      const week = await legacyStore.stats(old.monitorId, '7d', NOW);
      assert.equal(week.totalChecks, 1, 'the rollups count the old check, not the maintenance one');
      await client.command({ query: `DROP DATABASE ${legacy}` });
    });
  });

  describe('insert', () => {
    it('reads back exactly the CheckResult objects it stored', async () => {
      const m = randomUUID();
      const stored = [
        check(m, { scheduledAt: ago(3 * MINUTE), latencyMs: 123.4, sizeBytes: 0 }),
        check(m, {
          scheduledAt: ago(2 * MINUTE),
          outcome: 'degraded',
          message: 'slower than 100 ms',
          certificateExpiresAt: '2031-05-06T07:08:09.010Z',
          onDemand: true,
          region: 'eu-west',
        }),
        down(m, {
          scheduledAt: ago(MINUTE),
          errorKind: 'http_status',
          httpStatus: 503,
          message: 'expected 200-299, got 503',
          timings: {
            dnsMs: null,
            connectMs: null,
            tlsMs: null,
            firstByteMs: null,
            transferMs: null,
          },
          sizeBytes: 5_000_000_000,
        }),
      ];
      assert.equal(await writer.insert(stored), 3);
      const page = await store.list(m, query({ sort: 'asc' }));
      assert.deepEqual(page, { items: stored, nextCursor: null });
    });

    it('reads back every kind of assertion value, and cuts a long one to 512 characters', async () => {
      const m = randomUUID();
      const long = 'y'.repeat(5000);
      const assertions: CheckResult['assertions'] = [
        { type: 'certificate', actual: '2031-05-06T07:08:09.010Z', passed: true },
        { type: 'status', expected: ['200-299', '404'], actual: 200, passed: true },
        { type: 'keyword', target: 'present', expected: 'ok', actual: 'not found', passed: false },
        {
          type: 'json_path',
          target: '$.items[0]',
          expected: { operator: 'equals', value: null },
          actual: { nested: [1, true, null] },
          passed: false,
        },
        { type: 'json_path', target: '$.gone', expected: { operator: 'exists' }, passed: false },
        {
          type: 'json_path',
          target: '$.text',
          expected: { operator: 'exists' },
          actual: long,
          passed: true,
        },
        { type: 'latency', expected: 100, actual: 123.4, passed: false },
      ];
      const stored = down(m, { errorKind: 'keyword', httpStatus: 200, assertions });
      await writer.insert([stored]);
      const [read] = (await store.list(m, query())).items;
      const cut = `${long.slice(0, 509)}...`;
      assert.deepEqual(
        read?.assertions,
        assertions.map((a) => (a.actual === long ? { ...a, actual: cut } : a)),
      );
    });

    it('stores each check once when a batch is inserted twice or repeats a check', async () => {
      const m = randomUUID();
      const first = [0, 1, 2].map((i) => check(m, { scheduledAt: ago((10 + i) * MINUTE) }));
      const [again, other] = [3, 4].map((i) => check(m, { scheduledAt: ago((10 + i) * MINUTE) }));
      assert.equal(await writer.insert(first), 3);
      assert.equal(await writer.insert(first), 0);
      assert.equal(await writer.insert([again, again, other, first[0]]), 2);
      assert.equal(await writer.insert([]), 0);

      assert.equal((await store.list(m, query())).items.length, 5);
      for (const window of ['24h', '7d', '30d'] as const) {
        const stats = await store.stats(m, window, NOW);
        assert.equal(stats.totalChecks, 5, `${window} counts each check once`);
      }
    });
  });

  describe('list', () => {
    const m = randomUUID();
    // Ten checks a minute apart, oldest first; the two last share a slot (two regions).
    const seeded = Array.from({ length: 10 }, (_, i) =>
      (i % 3 === 2 ? down : check)(m, {
        scheduledAt: ago((10 - Math.min(i, 8)) * MINUTE),
        region: `r${i}`,
      }),
    );
    // ClickHouse orders UUIDs by their second half first.
    const uuidKey = (id: string) => id.slice(19) + id.slice(0, 19);
    const ascending = [...seeded].sort(
      (a, b) =>
        a.scheduledAt.localeCompare(b.scheduledAt) || uuidKey(a.id).localeCompare(uuidKey(b.id)),
    );
    const ids = (items: CheckResult[]) => items.map((c) => c.id);

    before(async () => {
      await writer.insert(seeded);
    });

    it('returns checks newest first by default and oldest first when asked', async () => {
      const desc = await store.list(m, query());
      const asc = await store.list(m, query({ sort: 'asc' }));
      assert.deepEqual(ids(asc.items), ids(ascending));
      assert.deepEqual(ids(desc.items), ids(ascending).reverse());
    });

    it('keeps checks scheduled from `from` (inclusive) to `to` (exclusive)', async () => {
      const page = await store.list(
        m,
        query({ sort: 'asc', from: ago(8 * MINUTE), to: ago(5 * MINUTE) }),
      );
      assert.deepEqual(
        page.items.map((c) => c.scheduledAt),
        [ago(8 * MINUTE), ago(7 * MINUTE), ago(6 * MINUTE)],
      );
    });

    it('keeps only checks of the asked outcome', async () => {
      const page = await store.list(m, query({ sort: 'asc', outcome: 'down' }));
      assert.deepEqual(ids(page.items), ids(ascending.filter((c) => c.outcome === 'down')));
    });

    for (const sort of ['asc', 'desc'] as const) {
      it(`pages through every check exactly once, ${sort}ending`, async () => {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.list(m, query({ sort, limit: 4, cursor }));
          seen.push(...ids(page.items));
          cursor = page.nextCursor ?? undefined;
          pages += 1;
        } while (cursor !== undefined);
        const expected = sort === 'asc' ? ids(ascending) : ids(ascending).reverse();
        assert.equal(pages, 3);
        assert.deepEqual(seen, expected);
      });
    }

    it('rejects a cursor it did not hand out', async () => {
      const forged = [
        'not-a-cursor',
        Buffer.from('{"t":"yesterday","id":"x"}').toString('base64url'),
        Buffer.from(JSON.stringify({ t: NOW.toISOString(), id: randomUUID(), x: 1 })).toString(
          'base64url',
        ),
      ];
      for (const cursor of forged) {
        await assert.rejects(store.list(m, query({ cursor })), InvalidCursorError);
      }
    });
  });

  describe('stats', () => {
    const m = randomUUID();
    const latest = check(m, { scheduledAt: ago(10 * MINUTE), latencyMs: 100 });

    before(async () => {
      await writer.insert([
        proberError(m, { scheduledAt: ago(5 * MINUTE) }),
        latest,
        check(m, { scheduledAt: ago(20 * MINUTE), outcome: 'degraded', latencyMs: 200 }),
        down(m, { scheduledAt: ago(30 * MINUTE), latencyMs: 300 }),
        proberError(m, { scheduledAt: ago(40 * MINUTE) }),
        check(m, { scheduledAt: ago(3 * HOUR), latencyMs: 400 }),
        down(m, { scheduledAt: ago(5 * HOUR), latencyMs: 500 }),
        check(m, { scheduledAt: ago(2 * DAY), latencyMs: 600 }),
        check(m, { scheduledAt: ago(3 * DAY), outcome: 'degraded', latencyMs: 700 }),
        proberError(m, { scheduledAt: ago(4 * DAY) }),
        down(m, { scheduledAt: ago(10 * DAY), latencyMs: 800 }),
        check(m, { scheduledAt: ago(20 * DAY), latencyMs: 900 }),
        down(m, { scheduledAt: ago(40 * DAY), latencyMs: 1000 }),
        // Checks during maintenance windows: stored, counted in no window.
        down(m, { scheduledAt: ago(15 * MINUTE), latencyMs: 5000, inMaintenance: true }),
        down(m, { scheduledAt: ago(4 * HOUR), latencyMs: 5000, inMaintenance: true }),
        down(m, { scheduledAt: ago(5 * DAY), latencyMs: 5000, inMaintenance: true }),
        down(m, { scheduledAt: ago(15 * DAY), latencyMs: 5000, inMaintenance: true }),
      ]);
    });

    it('lists the checks made during maintenance, marked so', async () => {
      const page = await store.list(m, query({ to: NOW.toISOString() }));
      assert.equal(page.items.filter((c) => c.inMaintenance).length, 4);
      assert.ok(page.items.some((c) => !c.inMaintenance));
    });

    // Quantiles interpolate linearly at level × (n − 1) over the sorted latencies.
    const expected = {
      '1h': {
        totalChecks: 3,
        failedChecks: 1,
        uptimePercent: 66.667,
        avgLatencyMs: 200,
        p50: 200,
        p95: 290,
        p99: 298,
      },
      '24h': {
        totalChecks: 5,
        failedChecks: 2,
        uptimePercent: 60,
        avgLatencyMs: 300,
        p50: 300,
        p95: 480,
        p99: 496,
      },
      '7d': {
        totalChecks: 7,
        failedChecks: 2,
        uptimePercent: 71.429,
        avgLatencyMs: 400,
        p50: 400,
        p95: 670,
        p99: 694,
      },
      '30d': {
        totalChecks: 9,
        failedChecks: 3,
        uptimePercent: 66.667,
        avgLatencyMs: 500,
        p50: 500,
        p95: 860,
        p99: 892,
      },
    } as const;

    for (const window of ['1h', '24h', '7d', '30d'] as const) {
      it(`summarises the ${window} window without prober errors or maintenance, counting degraded as up`, async () => {
        assert.deepEqual(await store.stats(m, window, NOW), {
          window,
          ...expected[window],
          currentStatus: 'up',
          lastCheckedAt: latest.startedAt,
          region: null,
          certificateExpiresAt: null,
        });
      });
    }

    it("limits the figures to one region's checks, in every window", async () => {
      const r = randomUUID();
      const inUs = down(r, { region: 'us', scheduledAt: ago(2 * MINUTE), latencyMs: 50 });
      await writer.insert([
        check(r, { region: 'eu', scheduledAt: ago(2 * MINUTE), latencyMs: 10 }),
        inUs,
        check(r, { region: 'eu', scheduledAt: ago(2 * DAY), latencyMs: 30 }),
        down(r, { region: 'us', scheduledAt: ago(2 * DAY), latencyMs: 70 }),
        proberError(r, { region: 'us', scheduledAt: ago(MINUTE) }),
      ]);
      const us = await store.stats(r, '7d', NOW, 'us');
      assert.deepEqual(
        [us.region, us.totalChecks, us.failedChecks, us.uptimePercent, us.currentStatus],
        ['us', 2, 2, 0, 'down'],
      );
      assert.equal(us.lastCheckedAt, inUs.startedAt);
      const eu = await store.stats(r, '1h', NOW, 'eu');
      assert.deepEqual(
        [eu.region, eu.totalChecks, eu.failedChecks, eu.uptimePercent, eu.currentStatus],
        ['eu', 1, 0, 100, 'up'],
      );
      const none = await store.stats(r, '30d', NOW, 'ap');
      assert.deepEqual(
        [none.region, none.totalChecks, none.uptimePercent, none.currentStatus],
        ['ap', 0, null, 'pending'],
      );
    });

    it('reports a monitor without checks as pending with no numbers', async () => {
      assert.deepEqual(await store.stats(randomUUID(), '24h', NOW), {
        window: '24h',
        totalChecks: 0,
        failedChecks: 0,
        uptimePercent: null,
        avgLatencyMs: null,
        p50: null,
        p95: null,
        p99: null,
        currentStatus: 'pending',
        lastCheckedAt: null,
        region: null,
        certificateExpiresAt: null,
      });
    });
  });

  describe('responseTimes', () => {
    const m = randomUUID();

    before(async () => {
      await writer.insert([
        check(m, { scheduledAt: ago(50 * MINUTE), latencyMs: 100 }),
        down(m, { scheduledAt: ago(49.5 * MINUTE), latencyMs: 300 }),
        check(m, { scheduledAt: ago(20 * MINUTE), latencyMs: 200 }),
        proberError(m, { scheduledAt: ago(19 * MINUTE) }),
      ]);
    });

    it('picks the bucket from the length of the range', () => {
      assert.equal(bucketFor(2 * HOUR), '1m');
      assert.equal(bucketFor(2 * HOUR + 1), '5m');
      assert.equal(bucketFor(12 * HOUR), '5m');
      assert.equal(bucketFor(2 * DAY), '15m');
      assert.equal(bucketFor(14 * DAY), '1h');
      assert.equal(bucketFor(14 * DAY + 1), '1d');
    });

    it('gives one point per minute with checks over the last hour', async () => {
      const series = await store.responseTimes(m, { from: ago(HOUR), to: NOW.toISOString() });
      assert.deepEqual(series, {
        bucket: '1m',
        from: ago(HOUR),
        to: NOW.toISOString(),
        points: [
          { at: ago(50 * MINUTE), checks: 2, failures: 1, avgLatencyMs: 200, p95LatencyMs: 290 },
          { at: ago(20 * MINUTE), checks: 1, failures: 0, avgLatencyMs: 200, p95LatencyMs: 200 },
        ],
      });
    });

    it('covers the last 24 hours in 15-minute buckets by default', async () => {
      const series = await store.responseTimes(m, {}, NOW);
      assert.equal(series.bucket, '15m');
      assert.equal(series.from, ago(DAY));
      assert.equal(series.to, NOW.toISOString());
      assert.deepEqual(series.points, [
        { at: ago(60 * MINUTE), checks: 2, failures: 1, avgLatencyMs: 200, p95LatencyMs: 290 },
        { at: ago(30 * MINUTE), checks: 1, failures: 0, avgLatencyMs: 200, p95LatencyMs: 200 },
      ]);
    });

    it('merges the hourly rollup into hour and day buckets', async () => {
      const range = { from: ago(DAY), to: NOW.toISOString() };
      const hourly = await store.responseTimes(m, { ...range, bucket: '1h' });
      const daily = await store.responseTimes(m, { ...range, bucket: '1d' });
      const all = { checks: 3, failures: 1, avgLatencyMs: 200, p95LatencyMs: 290 };
      assert.deepEqual(hourly.points, [{ at: ago(HOUR), ...all }]);
      assert.deepEqual(daily.points, [{ at: ago(12 * HOUR), ...all }]);
    });
  });

  describe('responseTimesOf', () => {
    it("gives each monitor's series in the asked order, as responseTimes does", async () => {
      const [a, b, none] = [randomUUID(), randomUUID(), randomUUID()];
      await writer.insert([
        check(a, { scheduledAt: ago(50 * MINUTE), latencyMs: 100 }),
        down(a, { scheduledAt: ago(49.5 * MINUTE), latencyMs: 300 }),
        check(b, { scheduledAt: ago(20 * MINUTE), latencyMs: 40 }),
        check(b, { scheduledAt: ago(2 * HOUR), latencyMs: 60 }),
      ]);
      const from = new Date(NOW.getTime() - HOUR);
      for (const bucket of ['1m', '15m', '1h'] as const) {
        const many = await store.responseTimesOf([b, none, a.toUpperCase()], from, NOW, bucket);
        assert.deepEqual(
          many.map((s) => s.monitorId),
          [b, none, a.toUpperCase()],
        );
        const range = { from: from.toISOString(), to: NOW.toISOString(), bucket };
        for (const [i, id] of [b, none, a].entries())
          assert.deepEqual(
            many[i]!.points,
            (await store.responseTimes(id, range)).points,
            `${bucket} ${i}`,
          );
      }
      const minutes = await store.responseTimesOf([a, b], from, NOW, '1m');
      assert.deepEqual(minutes[0]!.points, [
        { at: ago(50 * MINUTE), checks: 2, failures: 1, avgLatencyMs: 200, p95LatencyMs: 290 },
      ]);
      // The check two hours ago is outside the range.
      assert.deepEqual(minutes[1]!.points, [
        { at: ago(20 * MINUTE), checks: 1, failures: 0, avgLatencyMs: 40, p95LatencyMs: 40 },
      ]);
    });
  });

  describe('latest', () => {
    it('gives each monitor its latest check and 24 h uptime, in the asked order', async () => {
      const [a, b, none] = [randomUUID(), randomUUID(), randomUUID()];
      const newest = down(a, { scheduledAt: ago(2 * MINUTE), latencyMs: 250.5 });
      const stale = check(b, { scheduledAt: ago(30 * HOUR), latencyMs: 80 });
      await writer.insert([
        check(a, { scheduledAt: ago(3 * MINUTE) }),
        newest,
        proberError(a, { scheduledAt: ago(MINUTE) }),
        stale,
      ]);

      assert.deepEqual(await store.latest([a, none, b], NOW), [
        {
          monitorId: a,
          lastCheckedAt: newest.startedAt,
          outcome: 'down',
          latencyMs: 250.5,
          uptime24hPercent: 50,
          certificateExpiresAt: null,
          missed24h: 0,
        },
        {
          monitorId: none,
          lastCheckedAt: null,
          outcome: null,
          latencyMs: null,
          uptime24hPercent: null,
          certificateExpiresAt: null,
          missed24h: 0,
        },
        {
          monitorId: b,
          lastCheckedAt: stale.startedAt,
          outcome: 'up',
          latencyMs: 80,
          uptime24hPercent: null,
          certificateExpiresAt: null,
          missed24h: 0,
        },
      ]);
      assert.deepEqual(await store.latest([]), []);
    });

    it('keeps the certificate expiry of the newest check that saw one, for the dashboard and the stats', async () => {
      const [https, plain] = [randomUUID(), randomUUID()];
      const seen = check(https, {
        scheduledAt: ago(20 * MINUTE),
        certificateExpiresAt: '2027-03-01T00:00:00.000Z',
      });
      // The newest check failed before any handshake; a prober error says nothing.
      const refused = down(https, { scheduledAt: ago(10 * MINUTE), errorKind: 'connect' });
      await writer.insert([
        seen,
        refused,
        proberError(https, {
          scheduledAt: ago(5 * MINUTE),
          certificateExpiresAt: '2030-01-01T00:00:00.000Z',
        }),
        check(plain, { scheduledAt: ago(5 * MINUTE) }),
      ]);
      // An older check arriving late does not replace the newer certificate.
      await writer.insert([
        check(https, {
          scheduledAt: ago(30 * MINUTE),
          certificateExpiresAt: '2026-12-01T00:00:00.000Z',
        }),
      ]);

      const [latestHttps, latestPlain] = await store.latest([https, plain], NOW);
      assert.equal(latestHttps?.outcome, 'down');
      assert.equal(latestHttps?.lastCheckedAt, refused.startedAt);
      assert.equal(latestHttps?.certificateExpiresAt, '2027-03-01T00:00:00.000Z');
      assert.equal(latestPlain?.outcome, 'up');
      assert.equal(latestPlain?.certificateExpiresAt, null);
      const stats = await store.stats(https, '1h', NOW);
      assert.equal(stats.currentStatus, 'down');
      assert.equal(stats.certificateExpiresAt, '2027-03-01T00:00:00.000Z');
      assert.equal((await store.stats(plain, '1h', NOW)).certificateExpiresAt, null);
    });

    it('fills the latest checks from the raw table in a database that predates them', async () => {
      const m = randomUUID();
      const newest = down(m, { scheduledAt: ago(2 * MINUTE), latencyMs: 42 });
      const certificateExpiresAt = '2027-02-01T00:00:00.000Z';
      await writer.insert([
        check(m, { scheduledAt: ago(3 * MINUTE), certificateExpiresAt }),
        newest,
      ]);
      const before = await store.latest([m], NOW);
      await client.command({ query: `DROP TABLE ${DATABASE}.checks_latest_mv` });
      await client.command({ query: `DROP TABLE ${DATABASE}.checks_latest` });

      await migrateClickHouse(client, { database: DATABASE, rawRetentionDays: 3650 });

      assert.deepEqual(await store.latest([m], NOW), before);
      assert.equal(before[0]?.lastCheckedAt, newest.startedAt);
      assert.equal(before[0]?.certificateExpiresAt, certificateExpiresAt);
      assert.equal((await store.stats(m, '1h', NOW)).currentStatus, 'down');
    });
  });

  describe('deleteMonitor', () => {
    it("removes the monitor's checks and rollups, and only its own", async () => {
      const [gone, kept] = [randomUUID(), randomUUID()];
      await writer.insert([
        check(gone, { scheduledAt: ago(HOUR / 2) }),
        down(gone, { scheduledAt: ago(2 * DAY) }),
        check(kept, { scheduledAt: ago(HOUR / 2) }),
      ]);

      await erasure.deleteMonitor(gone);

      assert.deepEqual(await store.list(gone, query()), { items: [], nextCursor: null });
      for (const window of ['1h', '24h', '7d', '30d'] as const) {
        const stats = await store.stats(gone, window, NOW);
        assert.equal(stats.totalChecks, 0, window);
        assert.equal(stats.currentStatus, 'pending', window);
      }
      for (const table of ['checks_1m', 'checks_1h']) {
        const [left] = await rows<{ n: string }>(
          `SELECT count() AS n FROM ${DATABASE}.${table} WHERE monitor_id = {m:UUID}`,
          { m: gone },
        );
        assert.equal(Number(left?.n), 0, table);
      }
      assert.equal((await store.stats(kept, '30d', NOW)).totalChecks, 1);
    });

    it('leaves no row of the monitor in any table', async () => {
      const gone = randomUUID();
      await writer.insert([
        check(gone, { scheduledAt: ago(HOUR / 2) }),
        down(gone, { scheduledAt: ago(2 * DAY) }),
        proberError(gone, { scheduledAt: ago(HOUR / 4) }),
      ]);
      await client.insert({
        table: `${DATABASE}.missed_slots`,
        values: [
          {
            check_id: randomUUID(),
            monitor_id: gone,
            owner_id: '5b0c1a52-7a0e-4f4b-9d55-0f3c3e2b8a11',
            region: 'local',
            scheduled_at: toClickHouseTime(ago(HOUR)),
            reason: 'late',
            recorded_at: toClickHouseTime(ago(HOUR)),
          },
        ],
        format: 'JSONEachRow',
      });
      const stored = await rowsOf(gone);
      assert.deepEqual(
        Object.entries(stored).filter(([, n]) => n === 0),
        [['deleted_monitors', 0]],
      );

      await erasure.deleteMonitor(gone);

      assert.deepEqual(
        await rowsOf(gone),
        Object.fromEntries(Object.keys(stored).map((table) => [table, 0])),
      );
    });

    it('keeps taking checks after a clean-up of a monitor that still exists', async () => {
      const cleaned = randomUUID();
      await writer.insert([check(cleaned, { scheduledAt: ago(HOUR / 2) })]);
      await erasure.deleteMonitor(cleaned);
      assert.equal(await writer.insert([check(cleaned, { scheduledAt: ago(HOUR / 4) })]), 1);
    });
  });

  describe('forgetMonitor', () => {
    it('refuses results of a deleted monitor that arrive after its deletion', async () => {
      const deleted = randomUUID();
      await writer.insert([check(deleted, { scheduledAt: ago(HOUR / 2) })]);
      await erasure.forgetMonitor(deleted);
      assert.equal(await writer.insert([check(deleted, { scheduledAt: ago(HOUR / 4) })]), 0);
      assert.deepEqual(await store.list(deleted, query()), { items: [], nextCursor: null });
      assert.equal((await store.stats(deleted, '30d', NOW)).totalChecks, 0);
    });

    it('keeps only its note that the monitor is gone', async () => {
      const deleted = randomUUID();
      await writer.insert([check(deleted, { scheduledAt: ago(HOUR / 2) })]);
      await erasure.forgetMonitor(deleted);
      const left = await rowsOf(deleted);
      assert.equal(left.deleted_monitors, 1);
      assert.deepEqual(
        Object.entries(left).filter(([, n]) => n > 0),
        [['deleted_monitors', 1]],
      );
    });
  });
});
