import type { RunningService } from '@uptime/service-host';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startProber } from '../../apps/prober/src/bootstrap';
import type { ApiClient, ApiResponse } from '../support/api-client';
import { ApiStack, proberConfig } from '../support/services';
import { TargetServer } from '../support/target-server';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const QUOTA = 5;
const PER_MONITOR = 2;
const PER_USER = 3;

interface Problem {
  type: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

describe('quotas and rates', () => {
  const region = `q${Math.random().toString(36).slice(2, 8)}`;
  let db: TestDatabase;
  let stack: ApiStack;
  let prober: RunningService;
  let target: TargetServer;
  let api: ApiClient;
  let uniq = 0;
  const monitor = (extra: Record<string, unknown> = {}) => ({
    name: `m${++uniq}`,
    url: `${target.baseUrl}/m${uniq}`,
    intervalSeconds: 60,
    timeoutMs: 2000,
    ...extra,
  });
  const countOf = async (token: string) => {
    const res = await api.get<{ items: unknown[] }>('/api/v1/monitors?limit=500', token);
    assert.equal(res.status, 200);
    return res.body.items.length;
  };

  before(async () => {
    db = await createTestDatabase();
    target = await TargetServer.start();
    stack = await ApiStack.start(
      db.url,
      {
        defaultRegions: [region, 'eu-west'],
        onDemandChecksPerMinutePerMonitor: PER_MONITOR,
        onDemandChecksPerMinutePerUser: PER_USER,
      },
      { maxMonitorsPerUser: QUOTA },
    );
    api = stack.api;
    prober = await startProber(proberConfig(region), false);
  });
  after(async () => {
    await prober?.close();
    await stack?.stop();
    await target?.close();
    await db?.drop();
  });

  describe('monitors per user', () => {
    it('should refuse a monitor past the quota with a 403 problem naming it, and keep the count', async () => {
      const user = await api.newUser('quota');
      const bulk = await api.post(
        '/api/v1/monitors/bulk',
        { monitors: [monitor(), monitor(), monitor(), monitor()] },
        user.accessToken,
      );
      assert.equal(bulk.status, 201, JSON.stringify(bulk.body));
      assert.equal((await api.post('/api/v1/monitors', monitor(), user.accessToken)).status, 201);

      const one = await api.post<Problem>('/api/v1/monitors', monitor(), user.accessToken);
      assert.equal(one.status, 403);
      assert.match(one.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(one.body.type, '/problems/quota-exceeded');
      assert.match(one.body.detail ?? '', /MAX_MONITORS_PER_USER/);
      assert.match(one.body.detail ?? '', /limit of 5/);

      const two = await api.post<Problem>(
        '/api/v1/monitors/bulk',
        { monitors: [monitor(), monitor()] },
        user.accessToken,
      );
      assert.equal(two.status, 403);
      assert.equal(two.body.type, '/problems/quota-exceeded');
      assert.equal(await countOf(user.accessToken), QUOTA);
    });

    it('should refuse a whole bulk that would pass the quota, creating none of it', async () => {
      const user = await api.newUser('quota-bulk');
      assert.equal((await api.post('/api/v1/monitors', monitor(), user.accessToken)).status, 201);
      const six = Array.from({ length: QUOTA }, () => monitor());
      const res = await api.post<Problem>(
        '/api/v1/monitors/bulk',
        { monitors: six },
        user.accessToken,
      );
      assert.equal(res.status, 403);
      assert.equal(await countOf(user.accessToken), 1);
    });

    it('should let only one of two concurrent bulk creations through when both do not fit', async () => {
      const user = await api.newUser('quota-race');
      const bulkOf3 = () =>
        api.post<Problem>(
          '/api/v1/monitors/bulk',
          { monitors: [monitor(), monitor(), monitor()] },
          user.accessToken,
        );
      for (let round = 0; round < 3; round++) {
        const [a, b] = await Promise.all([bulkOf3(), bulkOf3()]);
        const statuses = [a.status, b.status].sort();
        if (round === 0) assert.deepEqual(statuses, [201, 403]);
        else assert.deepEqual(statuses, [403, 403]);
        assert.equal(await countOf(user.accessToken), 3);
      }
    });

    it('should give back room when monitors are deleted, and count each team apart', async () => {
      const user = await api.newUser('quota-delete');
      const bulk = await api.post<{ items: { id: string }[] }>(
        '/api/v1/monitors/bulk',
        { monitors: Array.from({ length: QUOTA }, () => monitor()) },
        user.accessToken,
      );
      assert.equal(bulk.status, 201, JSON.stringify(bulk.body));
      assert.equal((await api.post('/api/v1/monitors', monitor(), user.accessToken)).status, 403);
      const [first, second] = bulk.body.items;
      for (const { id } of [first!, second!])
        assert.equal((await api.delete(`/api/v1/monitors/${id}`, user.accessToken)).status, 204);
      // Exactly the two freed places: two fit, a third does not.
      const again = await api.post(
        '/api/v1/monitors/bulk',
        { monitors: [monitor(), monitor()] },
        user.accessToken,
      );
      assert.equal(again.status, 201, JSON.stringify(again.body));
      assert.equal((await api.post('/api/v1/monitors', monitor(), user.accessToken)).status, 403);
      assert.equal(await countOf(user.accessToken), QUOTA);

      // Each team is counted apart: a new team of the same user starts from none.
      const team = await api.post<{ id: string }>(
        '/api/v1/teams',
        { name: 'Counted' },
        user.accessToken,
      );
      assert.equal(team.status, 201, JSON.stringify(team.body));
      const inTeam = (body: unknown) =>
        api.request('POST', '/api/v1/monitors/bulk', {
          body,
          token: user.accessToken,
          headers: { 'x-team-id': team.body.id },
        });
      const full = Array.from({ length: QUOTA }, () => monitor());
      assert.equal((await inTeam({ monitors: full })).status, 201);
      assert.equal((await inTeam({ monitors: [monitor()] })).status, 403);
      assert.equal(await countOf(user.accessToken), QUOTA, 'the personal team keeps its own');
    });

    it('should keep the count true under creations and deletions at once', async () => {
      const user = await api.newUser('quota-churn');
      const bulkOf = (n: number) =>
        api.post<{ items: { id: string }[] }>(
          '/api/v1/monitors/bulk',
          { monitors: Array.from({ length: n }, () => monitor()) },
          user.accessToken,
        );
      const first = await bulkOf(QUOTA - 1);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const [a, b, c] = first.body.items;
      const statuses = (
        await Promise.all([
          api.delete(`/api/v1/monitors/${a!.id}`, user.accessToken),
          bulkOf(2),
          api.delete(`/api/v1/monitors/${b!.id}`, user.accessToken),
          bulkOf(1),
          api.delete(`/api/v1/monitors/${c!.id}`, user.accessToken),
        ])
      ).map((r) => r.status);
      assert.ok(
        statuses.every((s) => s === 201 || s === 204 || s === 403),
        `no server error: ${statuses}`,
      );
      // Whatever the order was, the count is the monitors that exist: fill up to the quota exactly.
      const room = QUOTA - (await countOf(user.accessToken));
      if (room > 0) assert.equal((await bulkOf(room)).status, 201);
      assert.equal((await bulkOf(1)).status, 403);
      assert.equal(await countOf(user.accessToken), QUOTA);
    });

    it('should not count another user’s monitors', async () => {
      const user = await api.newUser('quota-other');
      assert.equal((await api.post('/api/v1/monitors', monitor(), user.accessToken)).status, 201);
    });
  });

  describe('on-demand checks', () => {
    const checkNow = (id: string, token: string) =>
      api.post<Problem & { outcome?: string; id?: string }>(
        `/api/v1/monitors/${id}/check`,
        undefined,
        token,
      );
    const createIn = async (token: string, extra: Record<string, unknown> = {}) => {
      const res = await api.post<{ id: string }>(
        '/api/v1/monitors',
        monitor({ regions: [region], ...extra }),
        token,
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id;
    };
    const assertRefused = (res: ApiResponse<Problem>, scope: RegExp) => {
      assert.equal(res.status, 429, JSON.stringify(res.body));
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(res.body.type, '/problems/too-many-requests');
      assert.match(res.body.detail ?? '', scope);
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
        `${retryAfter}`,
      );
    };

    it('should answer 429 with Retry-After past the per-monitor limit, then the per-user one', async () => {
      const user = await api.newUser('rate');
      const first = await createIn(user.accessToken);
      const second = await createIn(user.accessToken);
      for (let i = 0; i < PER_MONITOR; i++) {
        const ok = await checkNow(first, user.accessToken);
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.equal(ok.body.outcome, 'up');
      }
      assertRefused(await checkNow(first, user.accessToken), /per monitor/);
      // The refusal above spent nothing: the user has one check left, on another monitor.
      assert.equal((await checkNow(second, user.accessToken)).status, 200);
      assertRefused(await checkNow(second, user.accessToken), /per user/);

      const scrape = await fetch(`${stack.gateway.url!.replace('[::1]', '127.0.0.1')}/metrics`);
      const text = await scrape.text();
      assert.match(
        text,
        /uptime_gateway_on_demand_checks_refused_total\{[^}]*scope="monitor"[^}]*\} 1\b/,
      );
      assert.match(
        text,
        /uptime_gateway_on_demand_checks_refused_total\{[^}]*scope="user"[^}]*\} 1\b/,
      );
    });

    it('should keep each user’s allowance apart', async () => {
      const other = await api.newUser('rate-other');
      const id = await createIn(other.accessToken);
      assert.equal((await checkNow(id, other.accessToken)).status, 200);
    });

    it('should run an on-demand check of a paused monitor, under the same limit', async () => {
      const user = await api.newUser('rate-paused');
      const id = await createIn(user.accessToken, { paused: true });
      const hitsBefore = target.hits.get(`m${uniq}`) ?? 0;
      for (let i = 0; i < PER_MONITOR; i++) {
        const res = await checkNow(id, user.accessToken);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.outcome, 'up');
      }
      assert.equal((target.hits.get(`m${uniq}`) ?? 0) - hitsBefore, PER_MONITOR);
      assertRefused(await checkNow(id, user.accessToken), /per monitor/);
    });
  });

  describe('regions', () => {
    it('should refuse an unknown region on create, bulk and PATCH with a 400 naming the field', async () => {
      const user = await api.newUser('regions');
      const created = await api.post<Problem>(
        '/api/v1/monitors',
        monitor({ regions: [region, 'mars'] }),
        user.accessToken,
      );
      assert.equal(created.status, 400);
      assert.deepEqual(
        created.body.errors?.map((e) => e.field),
        ['regions[1]'],
      );
      assert.match(created.body.errors![0]!.message, /not a configured region/);

      const bulk = await api.post<Problem>(
        '/api/v1/monitors/bulk',
        { monitors: [monitor({ regions: ['eu-west'] }), monitor({ regions: ['venus'] })] },
        user.accessToken,
      );
      assert.equal(bulk.status, 400);
      assert.deepEqual(
        bulk.body.errors?.map((e) => e.field),
        ['monitors[1].regions[0]'],
      );
      assert.equal(await countOf(user.accessToken), 0);

      const ok = await api.post<{ id: string; regions: string[] }>(
        '/api/v1/monitors',
        monitor({ regions: ['eu-west'] }),
        user.accessToken,
      );
      assert.equal(ok.status, 201);
      const patched = await api.patch<Problem>(
        `/api/v1/monitors/${ok.body.id}`,
        { regions: ['eu-west', 'pluto'] },
        user.accessToken,
      );
      assert.equal(patched.status, 400);
      assert.deepEqual(
        patched.body.errors?.map((e) => e.field),
        ['regions[1]'],
      );
      const now = await api.get<{ regions: string[] }>(
        `/api/v1/monitors/${ok.body.id}`,
        user.accessToken,
      );
      assert.deepEqual(now.body.regions, ['eu-west']);
    });
  });
});
