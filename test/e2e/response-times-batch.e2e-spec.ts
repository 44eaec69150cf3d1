import { BusClient, ProblemError } from '@uptime/bus';
import {
  MAX_RESPONSE_TIME_IDS,
  MAX_RESPONSE_TIME_POINTS,
  MetricsSubjects,
} from '@uptime/contracts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { TargetServer } from '../support/target-server';
import { waitFor } from '../support/wait-for';

interface Point {
  at: string;
  checks: number;
  avgLatencyMs: number | null;
}
interface Series {
  bucket: string;
  from: string;
  to: string;
  points: Point[];
}
interface Batch {
  bucket: string;
  from: string;
  to: string;
  items: { monitorId: string; points: Point[] }[];
  unknownIds: string[];
}
interface Problem {
  status: number;
  errors?: { field: string; message: string }[];
}

const BATCH = '/api/v1/monitors/response-times';

/**
 * `GET /monitors/response-times` against the whole pipeline: monitors checked on loopback, their
 * series read in one request, each equal to what the one-monitor route answers over the same range.
 */
describe('response times of several monitors', () => {
  const pipeline = new Pipeline();
  let target: TargetServer;
  let owner: string;
  let stranger: string;
  /** Two monitors of the owner and one of the stranger, each with checks stored. */
  const ids: string[] = [];
  let foreign: string;

  const create = async (token: string, name: string) => {
    const res = await pipeline.api.post<{ id: string }>(
      '/api/v1/monitors',
      { name, url: target.url(name), intervalSeconds: 10, timeoutMs: 3000 },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };
  const batch = (token: string, query: Record<string, string>) =>
    pipeline.api.get<Batch & Problem>(`${BATCH}?${new URLSearchParams(query)}`, token);
  const single = (id: string, query: Record<string, string>) =>
    pipeline.api.get<Series>(
      `/api/v1/monitors/${id}/response-times?${new URLSearchParams(query)}`,
      owner,
    );
  const fieldsOf = (body: Problem) => (body.errors ?? []).map((e) => e.field);

  before(async () => {
    target = await TargetServer.start();
    await pipeline.start();
    owner = (await pipeline.api.newUser('batch-owner')).accessToken;
    stranger = (await pipeline.api.newUser('batch-stranger')).accessToken;
    ids.push(await create(owner, 'a'), await create(owner, 'b'));
    foreign = await create(stranger, 'foreign');
    // Each monitor's first check reaches the 1-minute rollup the series are read from.
    await waitFor(
      'a point in every series',
      async () => {
        for (const id of [...ids, foreign]) {
          const res = await pipeline.api.get<Series>(
            `/api/v1/monitors/${id}/response-times`,
            id === foreign ? stranger : owner,
          );
          if (!res.body.points.some((p) => p.checks > 0)) return false;
        }
        return true;
      },
      45_000,
      200,
    );
  });
  after(async () => {
    await pipeline.stop();
    await target?.close();
  });

  it("should answer each asked monitor's series, in order, as the one-monitor route does", async () => {
    const range = {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
      bucket: '1m',
    };
    // Upper case and a repeat: the same monitors, each once.
    const asked = [ids[1]!, ids[0]!.toUpperCase(), ids[1]!].join(',');
    const res = await batch(owner, { ids: asked, ...range });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.items.map((i) => i.monitorId),
      [ids[1], ids[0]],
    );
    assert.deepEqual(res.body.unknownIds, []);
    assert.equal(res.body.bucket, '1m');
    assert.equal(res.body.from, range.from);
    assert.equal(res.body.to, range.to);
    for (const item of res.body.items) {
      assert.ok(item.points.some((p) => p.checks > 0 && p.avgLatencyMs !== null));
      const one = await single(item.monitorId, range);
      assert.equal(one.status, 200);
      assert.deepEqual(item.points, one.body.points, item.monitorId);
    }
  });

  it('should default to the last 24 hours in a bucket that suits them', async () => {
    const res = await batch(owner, { ids: ids.join(',') });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.bucket, '15m');
    assert.equal(Date.parse(res.body.to) - Date.parse(res.body.from), 24 * 3_600_000);
    assert.equal(res.body.items.length, 2);
  });

  it('should split a question too large for one metrics answer and keep the order', async () => {
    // 1-minute points over two days: 2,881 a monitor, one monitor per metrics question.
    const range = {
      from: new Date(Date.now() - 2 * 24 * 3_600_000).toISOString(),
      to: new Date().toISOString(),
      bucket: '1m',
    };
    const res = await batch(owner, { ids: ids.join(','), ...range });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.items.map((i) => i.monitorId),
      ids,
    );
    for (const item of res.body.items)
      assert.deepEqual(item.points, (await single(item.monitorId, range)).body.points);
  });

  it("should list another team's and unknown ids as unknown, with no series", async () => {
    const unknown = randomUUID();
    const res = await batch(owner, { ids: [foreign, ids[0], unknown].join(',') });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.items.map((i) => i.monitorId),
      [ids[0]],
    );
    assert.deepEqual(res.body.unknownIds, [foreign, unknown]);
    // Only another team's ids: nothing of theirs, though their monitor has checks.
    const only = await batch(owner, { ids: foreign });
    assert.equal(only.status, 200);
    assert.deepEqual(only.body.items, []);
    assert.deepEqual(only.body.unknownIds, [foreign]);
    // The stranger reads their own.
    const theirs = await batch(stranger, { ids: [foreign, ids[0]].join(',') });
    assert.deepEqual(
      theirs.body.items.map((i) => i.monitorId),
      [foreign],
    );
    assert.deepEqual(theirs.body.unknownIds, [ids[0]]);
  });

  it('should refuse bad questions with 400 naming the field', async () => {
    const tooMany = Array.from({ length: MAX_RESPONSE_TIME_IDS + 1 }, () => randomUUID());
    const cases: [Record<string, string>, string][] = [
      [{}, 'ids'],
      [{ ids: '' }, 'ids'],
      [{ ids: ',,' }, 'ids'],
      [{ ids: tooMany.join(',') }, 'ids'],
      [{ ids: `${ids[0]},not-a-uuid` }, 'ids[1]'],
      [{ ids: ids[0]!, bucket: '2m' }, 'bucket'],
      [{ ids: ids[0]!, from: 'yesterday' }, 'from'],
      [{ ids: ids[0]!, to: '2026-13-01T00:00:00Z' }, 'to'],
      [{ ids: ids[0]!, from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'from'],
      // One monitor in minutes over a month: more points than one series holds.
      [
        { ids: ids[0]!, from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', bucket: '1m' },
        'bucket',
      ],
      // Fifty monitors in minutes over a day: more points than one answer holds.
      [
        {
          ids: Array.from({ length: 50 }, () => randomUUID()).join(','),
          from: '2026-01-01T00:00:00Z',
          to: '2026-01-02T00:00:00Z',
          bucket: '1m',
        },
        'bucket',
      ],
      [{ ids: ids[0]!, monitorId: ids[0]! }, 'monitorId'],
    ];
    for (const [query, field] of cases) {
      const res = await batch(owner, query);
      assert.equal(res.status, 400, `${JSON.stringify(query)}: ${JSON.stringify(res.body)}`);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.deepEqual(fieldsOf(res.body), [field], JSON.stringify(query));
    }
    const exactly = Array.from({ length: MAX_RESPONSE_TIME_IDS }, () => randomUUID());
    const most = await batch(owner, { ids: exactly.join(',') });
    assert.equal(most.status, 200, JSON.stringify(most.body));
    assert.equal(most.body.unknownIds.length, MAX_RESPONSE_TIME_IDS);
  });

  it('should have the metrics service refuse a question whose answer would not fit one message', async () => {
    const metrics = BusClient.connect(NATS_URL, 'response-times-batch-test');
    const refusal = async (request: Record<string, unknown>) => {
      const err = await metrics
        .request(MetricsSubjects.responseTimesMany, {
          monitorIds: ids,
          from: '2026-01-01T00:00:00.000Z',
          to: '2026-01-02T00:00:00.000Z',
          bucket: '1m',
          ...request,
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(err instanceof ProblemError, String(err));
      assert.equal(err.problem.status, 400);
      return (err.problem.errors ?? []).map((e) => e.field);
    };
    try {
      // Two monitors of 1,441 points each fit; four monitors of 1,441 do not (5,764 > 5,000).
      const fits = await metrics.request(MetricsSubjects.responseTimesMany, {
        monitorIds: ids,
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-01-02T00:00:00.000Z',
        bucket: '1m',
      });
      assert.equal(fits.items.length, 2);
      assert.ok(1441 * 4 > MAX_RESPONSE_TIME_POINTS);
      assert.deepEqual(await refusal({ monitorIds: [...ids, randomUUID(), randomUUID()] }), [
        'bucket',
      ]);
      assert.deepEqual(await refusal({ from: '2026-01-03T00:00:00.000Z' }), ['from']);
    } finally {
      await metrics.close();
    }
  });

  it('should ask for a session', async () => {
    const res = await pipeline.api.get(`${BATCH}?ids=${ids[0]}`);
    assert.equal(res.status, 401);
  });
});
