import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiStack } from '../support/services';
import { createTestDatabase, query, type TestDatabase } from '../support/test-database';

interface Monitor extends Record<string, unknown> {
  id: string;
  url: string;
  paused: boolean;
  status: string;
  version: number;
}
interface Page {
  items: Monitor[];
  nextCursor: string | null;
}
interface ProblemBody {
  type: string;
  status: number;
  errors?: { field: string; message: string }[];
}

const base = { name: 'Checkout API', url: 'https://shop.example.test/health' };

describe('monitors', () => {
  let db: TestDatabase;
  let stack: ApiStack;
  let owner: Awaited<ReturnType<ApiStack['api']['newUser']>>;
  let stranger: Awaited<ReturnType<ApiStack['api']['newUser']>>;
  let uniq = 0;
  const url = () => `https://svc-${++uniq}.example.test/health`;

  before(async () => {
    db = await createTestDatabase();
    stack = await ApiStack.start(db.url, { defaultRegions: ['local', 'eu-west', 'us-east'] });
    owner = await stack.api.newUser('owner');
    stranger = await stack.api.newUser('stranger');
  });
  after(async () => {
    await stack?.stop();
    await db?.drop();
  });

  const create = (body: Record<string, unknown>, token = owner.accessToken) =>
    stack.api.post<Monitor>('/api/v1/monitors', body, token);

  describe('create', () => {
    it('should fill every default and the read-only fields', async () => {
      const res = await create({ ...base, url: 'https://Shop.Example.test' });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('location'), `/api/v1/monitors/${res.body.id}`);
      const { id, createdAt, updatedAt, ...rest } = res.body;
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.ok(Date.parse(String(createdAt)) && createdAt === updatedAt);
      assert.deepEqual(rest, {
        ownerId: owner.id,
        key: null,
        name: 'Checkout API',
        type: 'http',
        url: 'https://shop.example.test/',
        method: 'GET',
        headers: {},
        body: null,
        intervalSeconds: 60,
        timeoutMs: 10_000,
        expectedStatus: ['200-299'],
        followRedirects: true,
        maxLatencyMs: null,
        keyword: null,
        assertions: [],
        dns: null,
        alertPolicy: {
          failuresToOpen: 1,
          windowSize: 1,
          successesToResolve: 1,
          alertOnDegraded: false,
          renotifyMinutes: null,
          certificateExpiryDays: 14,
          escalation: [],
          regionQuorum: null,
          alertOnPartial: false,
        },
        channelIds: [],
        // Named by none: the regions with live probers, here (no prober runs) every configured one.
        regions: ['local', 'eu-west', 'us-east'],
        paused: false,
        tls: null,
        heartbeat: null,
        pingUrl: null,
        status: 'pending',
        lastCheckedAt: null,
        version: 1,
      });
    });

    it('should keep every field it was given', async () => {
      const body = {
        name: 'Orders',
        url: url(),
        method: 'POST',
        headers: { 'X-Api-Key': 'k', Accept: 'application/json' },
        body: '{"ping":true}',
        intervalSeconds: 30,
        timeoutMs: 5000,
        expectedStatus: ['200', '3xx', '401-403'],
        followRedirects: false,
        maxLatencyMs: 800,
        keyword: { value: 'ok', mode: 'absent' },
        assertions: [
          { type: 'jsonPath', path: '$.data[0].status', operator: 'equals', value: 'up' },
        ],
        alertPolicy: {
          failuresToOpen: 4,
          windowSize: 5,
          successesToResolve: 2,
          alertOnDegraded: true,
          renotifyMinutes: 30,
          certificateExpiryDays: 14,
          escalation: [],
          regionQuorum: null,
          alertOnPartial: false,
        },
        channelIds: [],
        regions: ['eu-west', 'us-east'],
        paused: true,
      };
      const res = await create(body);
      assert.equal(res.status, 201);
      for (const [key, value] of Object.entries(body)) assert.deepEqual(res.body[key], value, key);
      assert.equal(res.body.status, 'paused');
    });

    it('should accept a keyword given as a plain string as one that must be present', async () => {
      const res = await create({ ...base, url: url(), keyword: 'healthy' });
      assert.equal(res.status, 201);
      assert.deepEqual(res.body.keyword, { value: 'healthy', mode: 'present' });
    });

    it('should answer 409 to a second monitor of the same method and URL', async () => {
      const target = url();
      assert.equal((await create({ ...base, url: target })).status, 201);
      const dup = await create({ ...base, name: 'again', url: target });
      assert.equal(dup.status, 409);
      assert.equal(
        (await create({ ...base, url: target, method: 'HEAD' })).status,
        201,
        'another method is another monitor',
      );
      assert.equal(
        (await create({ ...base, url: target }, stranger.accessToken)).status,
        201,
        'another owner may monitor it',
      );
    });

    const invalid: [string, Record<string, unknown>, string][] = [
      ['a missing name', { url: 'https://a.example.test' }, 'name'],
      ['a missing url', { name: 'x' }, 'url'],
      ['a malformed url', { ...base, url: 'not a url' }, 'url'],
      ['an ftp url', { ...base, url: 'ftp://files.example.test/x' }, 'url'],
      ['a javascript url', { ...base, url: 'javascript:alert(1)' }, 'url'],
      ['an interval under 10 s', { ...base, intervalSeconds: 9 }, 'intervalSeconds'],
      ['an interval over 24 h', { ...base, intervalSeconds: 86_401 }, 'intervalSeconds'],
      ['a fractional interval', { ...base, intervalSeconds: 30.5 }, 'intervalSeconds'],
      ['an interval given as text', { ...base, intervalSeconds: '60' }, 'intervalSeconds'],
      [
        'a timeout equal to the interval',
        { ...base, intervalSeconds: 10, timeoutMs: 10_000 },
        'timeoutMs',
      ],
      [
        'a timeout above the interval',
        { ...base, intervalSeconds: 20, timeoutMs: 25_000 },
        'timeoutMs',
      ],
      ['an unknown type', { ...base, type: 'smtp' }, 'type'],
      ['a heartbeat monitor without its settings', { ...base, type: 'heartbeat' }, 'heartbeat'],
      ['an unknown method', { ...base, method: 'BREW' }, 'method'],
      ['an unknown field', { ...base, frequency: 60 }, 'frequency'],
      ['the read-only id', { ...base, id: '6f1c3c3e-8a0e-4f55-9a7e-3b0f7c2d9e11' }, 'id'],
      ['the read-only status', { ...base, status: 'up' }, 'status'],
      ['the read-only createdAt', { ...base, createdAt: '2020-01-01T00:00:00Z' }, 'createdAt'],
      ['the read-only lastCheckedAt', { ...base, lastCheckedAt: null }, 'lastCheckedAt'],
      [
        'a status pattern that is not one',
        { ...base, expectedStatus: ['abc'] },
        'expectedStatus[0]',
      ],
      [
        'a status code out of range',
        { ...base, expectedStatus: ['200', '700'] },
        'expectedStatus[1]',
      ],
      ['a reversed status range', { ...base, expectedStatus: ['299-200'] }, 'expectedStatus[0]'],
      ['an empty status list', { ...base, expectedStatus: [] }, 'expectedStatus'],
      ['an oversized name', { ...base, name: 'n'.repeat(201) }, 'name'],
      ['an oversized url', { ...base, url: `https://a.example.test/${'p'.repeat(2100)}` }, 'url'],
      ['an oversized body', { ...base, method: 'POST', body: 'b'.repeat(64 * 1024 + 1) }, 'body'],
      [
        'an oversized header value',
        { ...base, headers: { 'X-Big': 'v'.repeat(8193) } },
        'headers.X-Big',
      ],
      [
        'a header name that is not a token',
        { ...base, headers: { 'Bad Header': 'v' } },
        'headers.Bad Header',
      ],
      [
        'a header value with a line break',
        { ...base, headers: { 'X-A': 'v\r\nInjected: 1' } },
        'headers.X-A',
      ],
      ['a body with GET', { ...base, body: 'x' }, 'body'],
      [
        'a latency limit above the timeout',
        { ...base, timeoutMs: 1000, maxLatencyMs: 2000 },
        'maxLatencyMs',
      ],
      [
        'more failures than the window',
        { ...base, alertPolicy: { failuresToOpen: 3, windowSize: 2 } },
        'alertPolicy.failuresToOpen',
      ],
      [
        'an unknown alert policy field',
        { ...base, alertPolicy: { retries: 3 } },
        'alertPolicy.retries',
      ],
      ['a channel id that is not a UUID', { ...base, channelIds: ['slack'] }, 'channelIds[0]'],
      [
        'a JSON path without $',
        { ...base, assertions: [{ type: 'jsonPath', path: 'data.status', operator: 'exists' }] },
        'assertions[0].path',
      ],
      [
        'an assertion without its value',
        { ...base, assertions: [{ type: 'jsonPath', path: '$.a', operator: 'equals' }] },
        'assertions[0].value',
      ],
      [
        'a keyword mode that is not one',
        { ...base, keyword: { value: 'ok', mode: 'maybe' } },
        'keyword.mode',
      ],
    ];
    for (const [what, body, field] of invalid) {
      it(`should answer 400 naming ${field} for ${what}`, async () => {
        const res = await stack.api.post<ProblemBody>(
          '/api/v1/monitors',
          { ...body, ...(body.url ? {} : {}) },
          owner.accessToken,
        );
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        assert.equal(res.body.type, '/problems/validation');
        assert.ok(
          res.body.errors?.some((e) => e.field === field),
          `expected an error on ${field}, got ${JSON.stringify(res.body.errors)}`,
        );
      });
    }

    it('should report every bad field at once', async () => {
      const res = await create({ name: '', url: 'ftp://x', intervalSeconds: 1, extra: true });
      assert.equal(res.status, 400);
      const fields = (res.body as unknown as ProblemBody).errors!.map((e) => e.field).sort();
      assert.deepEqual(fields, ['extra', 'intervalSeconds', 'name', 'url']);
    });

    it('should answer 400 to malformed JSON and to a JSON array', async () => {
      const malformed = await stack.api.request('POST', '/api/v1/monitors', {
        rawBody: '{"name": "x",',
        token: owner.accessToken,
      });
      assert.equal(malformed.status, 400);
      assert.equal(
        malformed.headers.get('content-type'),
        'application/problem+json; charset=utf-8',
      );
      const array = await stack.api.request('POST', '/api/v1/monitors', {
        rawBody: '[1,2]',
        token: owner.accessToken,
      });
      assert.equal(array.status, 400);
    });

    it('should answer 413 to a body over 1 MB', async () => {
      const res = await create({
        ...base,
        url: url(),
        method: 'POST',
        body: 'x'.repeat(1100 * 1024),
      });
      assert.equal(res.status, 413);
    });

    it('should answer 401 without a token', async () => {
      assert.equal((await stack.api.post('/api/v1/monitors', base)).status, 401);
    });
  });

  describe('list', () => {
    it('should page through every monitor once, oldest first, with a cursor', async () => {
      const user = await stack.api.newUser('pager');
      const created: string[] = [];
      for (let i = 0; i < 5; i++)
        created.push(
          (await create({ ...base, name: `m${i}`, url: url() }, user.accessToken)).body.id,
        );
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
        const res = await stack.api.get<Page>(`/api/v1/monitors${query}`, user.accessToken);
        assert.equal(res.status, 200);
        assert.ok(res.body.items.length <= 2);
        seen.push(...res.body.items.map((m) => m.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(seen, created);
    });

    it('should answer 400 to a bad limit, a forged cursor and an unknown parameter', async () => {
      for (const [query, field] of [
        ['?limit=0', 'limit'],
        ['?limit=abc', 'limit'],
        ['?limit=501', 'limit'],
        ['?cursor=bm90LWEtY3Vyc29y', 'cursor'],
        ['?sort=name', 'sort'],
      ]) {
        const res = await stack.api.get<ProblemBody>(`/api/v1/monitors${query}`, owner.accessToken);
        assert.equal(res.status, 400, query);
        assert.deepEqual(
          res.body.errors?.map((e) => e.field),
          [field],
          query,
        );
      }
    });
  });

  describe('get, update, pause, resume, delete', () => {
    it('should update only the given fields and merge the alert policy', async () => {
      const m = (
        await create({ ...base, url: url(), alertPolicy: { failuresToOpen: 2, windowSize: 3 } })
      ).body;
      const res = await stack.api.patch<Monitor>(
        `/api/v1/monitors/${m.id}`,
        { name: 'Renamed', alertPolicy: { successesToResolve: 3 } },
        owner.accessToken,
      );
      assert.equal(res.status, 200);
      assert.equal(res.body.name, 'Renamed');
      assert.equal(res.body.url, m.url);
      assert.deepEqual(res.body.alertPolicy, {
        failuresToOpen: 2,
        windowSize: 3,
        successesToResolve: 3,
        alertOnDegraded: false,
        renotifyMinutes: null,
        certificateExpiryDays: 14,
        escalation: [],
        regionQuorum: null,
        alertOnPartial: false,
      });
      assert.equal(res.body.version, 2);
      const fetched = await stack.api.get<Monitor>(`/api/v1/monitors/${m.id}`, owner.accessToken);
      // The entry adds what it computes: the monitor's next maintenance window (none here).
      assert.deepEqual(fetched.body, { ...res.body, nextMaintenance: null });
    });

    it('should check cross-field rules against the stored monitor', async () => {
      const m = (await create({ ...base, url: url(), intervalSeconds: 60, timeoutMs: 30_000 }))
        .body;
      const res = await stack.api.patch<ProblemBody>(
        `/api/v1/monitors/${m.id}`,
        { intervalSeconds: 20 },
        owner.accessToken,
      );
      assert.equal(res.status, 400);
      assert.deepEqual(
        res.body.errors?.map((e) => e.field),
        ['timeoutMs'],
      );
      const unchanged = await stack.api.get<Monitor>(`/api/v1/monitors/${m.id}`, owner.accessToken);
      assert.equal(unchanged.body.intervalSeconds, 60);
    });

    it('should refuse read-only and unknown fields in a patch, and a duplicate target', async () => {
      const taken = (await create({ ...base, url: url() })).body;
      const m = (await create({ ...base, url: url() })).body;
      const readOnly = await stack.api.patch<ProblemBody>(
        `/api/v1/monitors/${m.id}`,
        { status: 'up', nope: 1 },
        owner.accessToken,
      );
      assert.equal(readOnly.status, 400);
      assert.deepEqual(readOnly.body.errors?.map((e) => e.field).sort(), ['nope', 'status']);
      const dup = await stack.api.patch(
        `/api/v1/monitors/${m.id}`,
        { url: taken.url },
        owner.accessToken,
      );
      assert.equal(dup.status, 409);
    });

    it('should pause and resume, each idempotent', async () => {
      const m = (await create({ ...base, url: url() })).body;
      const paused = await stack.api.post<Monitor>(
        `/api/v1/monitors/${m.id}/pause`,
        undefined,
        owner.accessToken,
      );
      assert.equal(paused.status, 200);
      assert.equal(paused.body.paused, true);
      assert.equal(paused.body.status, 'paused');
      const again = await stack.api.post<Monitor>(
        `/api/v1/monitors/${m.id}/pause`,
        undefined,
        owner.accessToken,
      );
      assert.equal(again.body.version, paused.body.version, 'a second pause changes nothing');
      const resumed = await stack.api.post<Monitor>(
        `/api/v1/monitors/${m.id}/resume`,
        undefined,
        owner.accessToken,
      );
      assert.equal(resumed.body.paused, false);
      assert.equal(resumed.body.status, 'pending');
    });

    it('should delete, after which the monitor is gone', async () => {
      const m = (await create({ ...base, url: url() })).body;
      assert.equal(
        (await stack.api.delete(`/api/v1/monitors/${m.id}`, owner.accessToken)).status,
        204,
      );
      assert.equal(
        (await stack.api.get(`/api/v1/monitors/${m.id}`, owner.accessToken)).status,
        404,
      );
      assert.equal(
        (await stack.api.delete(`/api/v1/monitors/${m.id}`, owner.accessToken)).status,
        404,
      );
      assert.equal((await create({ ...base, url: m.url })).status, 201, 'its target is free again');
    });

    it('should answer 400 naming id for an id that is not a UUID', async () => {
      const res = await stack.api.get<ProblemBody>('/api/v1/monitors/42', owner.accessToken);
      assert.equal(res.status, 400);
      assert.deepEqual(
        res.body.errors?.map((e) => e.field),
        ['id'],
      );
    });
  });

  describe('isolation between users', () => {
    it("should answer 404 to every operation on another user's monitor and leave it intact", async () => {
      const m = (await create({ ...base, url: url() })).body;
      const path = `/api/v1/monitors/${m.id}`;
      const t = stranger.accessToken;
      assert.equal((await stack.api.get(path, t)).status, 404);
      assert.equal((await stack.api.patch(path, { name: 'mine now' }, t)).status, 404);
      assert.equal((await stack.api.post(`${path}/pause`, undefined, t)).status, 404);
      assert.equal((await stack.api.post(`${path}/resume`, undefined, t)).status, 404);
      assert.equal((await stack.api.delete(path, t)).status, 404);
      const list = await stack.api.get<Page>('/api/v1/monitors?limit=500', t);
      assert.ok(!list.body.items.some((x) => x.id === m.id));
      const mine = await stack.api.get<Monitor>(path, owner.accessToken);
      assert.equal(mine.status, 200);
      assert.deepEqual(mine.body, { ...m, nextMaintenance: null });
    });
  });
  describe('bulk create', () => {
    const bulk = (monitors: unknown, token = owner.accessToken) =>
      stack.api.post<{ items: Monitor[] } & ProblemBody>(
        '/api/v1/monitors/bulk',
        { monitors },
        token,
      );
    const countOwned = async (token: string) => {
      let total = 0;
      let cursor: string | null = null;
      do {
        const page: { body: Page } = await stack.api.get<Page>(
          `/api/v1/monitors?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
          token,
        );
        total += page.body.items.length;
        cursor = page.body.nextCursor;
      } while (cursor);
      return total;
    };

    it('should create every monitor of the request, each with its own id and event', async () => {
      const user = await stack.api.newUser('bulk');
      const monitors = Array.from({ length: 300 }, (_, i) => ({
        name: `Bulk ${i}`,
        url: `https://bulk-${i}.example.test/health`,
        intervalSeconds: 30,
      }));
      const res = await bulk(monitors, user.accessToken);
      assert.equal(res.status, 201);
      assert.equal(res.body.items.length, 300);
      assert.equal(new Set(res.body.items.map((m) => m.id)).size, 300);
      assert.deepEqual(
        res.body.items.map((m) => m.url),
        monitors.map((m) => m.url),
      );
      assert.ok(res.body.items.every((m) => m.intervalSeconds === 30 && m.status === 'pending'));
      assert.equal(await countOwned(user.accessToken), 300);
      const [events] = await query<{ n: string }>(
        db.url,
        `select count(*) as n from registry.monitor_event_outbox where kind = 'created' and monitor_id = any($1::uuid[])`,
        [res.body.items.map((m) => m.id)],
      );
      assert.equal(Number(events!.n), 300);
    });

    it('should create nothing when one monitor is invalid, and name its field', async () => {
      const user = await stack.api.newUser('bulk-invalid');
      const res = await bulk(
        [
          { name: 'Fine', url: 'https://fine.example.test/' },
          { name: 'Broken', url: 'ftp://broken.example.test/' },
          { name: 'Slow', url: 'https://slow.example.test/', intervalSeconds: 1 },
        ],
        user.accessToken,
      );
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      const fields = res.body.errors!.map((e) => e.field);
      assert.ok(fields.includes('monitors[1].url'), fields.join());
      assert.ok(fields.includes('monitors[2].intervalSeconds'), fields.join());
      assert.ok(!fields.some((f) => f.startsWith('monitors[0]')));
      assert.equal(await countOwned(user.accessToken), 0);
    });

    it('should refuse two entries with the same method and URL', async () => {
      const res = await bulk([
        { name: 'A', url: 'https://twice.example.test/' },
        { name: 'B', url: 'https://twice.example.test/' },
      ]);
      assert.equal(res.status, 400);
      assert.deepEqual(
        res.body.errors!.map((e) => e.field),
        ['monitors[1].url'],
      );
    });

    it('should answer 409 and create nothing when one target is already monitored', async () => {
      const user = await stack.api.newUser('bulk-dup');
      const first = await create(
        { name: 'Old', url: 'https://old.example.test/' },
        user.accessToken,
      );
      assert.equal(first.status, 201);
      const res = await bulk(
        [
          { name: 'New', url: 'https://new.example.test/' },
          { name: 'Old again', url: 'https://old.example.test/' },
        ],
        user.accessToken,
      );
      assert.equal(res.status, 409);
      assert.match(JSON.stringify(res.body), /monitors\[1\]/);
      assert.equal(await countOwned(user.accessToken), 1);
    });

    it('should refuse a missing, empty or oversized list with the field named', async () => {
      for (const monitors of [undefined, [], 'nope', Array.from({ length: 1001 }, () => ({}))]) {
        const res = await bulk(monitors);
        assert.equal(res.status, 400, JSON.stringify(monitors)?.slice(0, 40));
        assert.deepEqual(
          res.body.errors!.map((e) => e.field),
          ['monitors'],
        );
      }
    });

    it('should need a token', async () => {
      const res = await stack.api.post('/api/v1/monitors/bulk', {
        monitors: [{ name: 'A', url: 'https://a.example.test/' }],
      });
      assert.equal(res.status, 401);
    });
  });

  describe('key', () => {
    it('should find a monitor by its key, and answer an empty page for an unknown one', async () => {
      const created = await create({ ...base, url: url(), key: 'checkout-api' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.key, 'checkout-api');
      const found = await stack.api.get<Page>(
        '/api/v1/monitors?key=checkout-api',
        owner.accessToken,
      );
      assert.deepEqual(
        found.body.items.map((m) => m.id),
        [created.body.id],
      );
      const none = await stack.api.get<Page>('/api/v1/monitors?key=nothing', owner.accessToken);
      assert.deepEqual(none.body, { items: [], nextCursor: null });
      const theirs = await stack.api.get<Page>(
        '/api/v1/monitors?key=checkout-api',
        stranger.accessToken,
      );
      assert.deepEqual(theirs.body.items, []);
    });

    it('should refuse a key another of your monitors has with a 409 naming key', async () => {
      const first = await create({ ...base, url: url(), key: 'twice' });
      assert.equal(first.status, 201);
      const again = await stack.api.post<ProblemBody>(
        '/api/v1/monitors',
        { ...base, url: url(), key: 'twice' },
        owner.accessToken,
      );
      assert.equal(again.status, 409);
      assert.deepEqual(
        again.body.errors?.map((e) => e.field),
        ['key'],
      );
      const other = await create({ ...base, url: url() });
      const patched = await stack.api.patch<ProblemBody>(
        `/api/v1/monitors/${other.body.id}`,
        { key: 'twice' },
        owner.accessToken,
      );
      assert.equal(patched.status, 409);
      assert.deepEqual(
        patched.body.errors?.map((e) => e.field),
        ['key'],
      );
      // Keys are unique per owner: another user may use the same one.
      const theirs = await create({ ...base, url: url(), key: 'twice' }, stranger.accessToken);
      assert.equal(theirs.status, 201);
    });

    it('should refuse a malformed key naming the field, and clear a key with null', async () => {
      const bad = await stack.api.post<ProblemBody>(
        '/api/v1/monitors',
        { ...base, url: url(), key: 'Not A Key' },
        owner.accessToken,
      );
      assert.equal(bad.status, 400);
      assert.deepEqual(
        bad.body.errors?.map((e) => e.field),
        ['key'],
      );
      const keyed = await create({ ...base, url: url(), key: 'short-lived' });
      const cleared = await stack.api.patch<Monitor>(
        `/api/v1/monitors/${keyed.body.id}`,
        { key: null },
        owner.accessToken,
      );
      assert.equal(cleared.status, 200);
      assert.equal(cleared.body.key, null);
      const reused = await create({ ...base, url: url(), key: 'short-lived' });
      assert.equal(reused.status, 201, 'a cleared key is free again');
    });

    it('should refuse two monitors of one bulk create with the same key', async () => {
      const res = await stack.api.post<ProblemBody>(
        '/api/v1/monitors/bulk',
        {
          monitors: [
            { ...base, url: url(), key: 'same' },
            { ...base, url: url(), key: 'same' },
          ],
        },
        owner.accessToken,
      );
      assert.equal(res.status, 400);
      assert.deepEqual(
        res.body.errors?.map((e) => e.field),
        ['monitors[1].key'],
      );
    });
  });

  describe('dns monitors of one name', () => {
    const dns = (recordType: string, name = `dns ${recordType}`) => ({
      name,
      type: 'dns',
      url: 'dns://mail.example.test',
      dns: { recordType },
    });

    it('should keep one monitor per record type: A and MX coexist, a second A is a 409', async () => {
      const user = await stack.api.newUser('dns-types');
      const a = await create(dns('A'), user.accessToken);
      const mx = await create(dns('MX'), user.accessToken);
      assert.equal(a.status, 201, JSON.stringify(a.body));
      assert.equal(mx.status, 201, JSON.stringify(mx.body));
      // The name is written in one form, so another spelling is the same target.
      const again = await stack.api.post<ProblemBody & { detail: string }>(
        '/api/v1/monitors',
        { ...dns('A', 'again'), url: 'dns://Mail.Example.test.' },
        user.accessToken,
      );
      assert.equal(again.status, 409);
      assert.match(again.body.detail, /URL and record type/);

      const toA = await stack.api.patch<ProblemBody>(
        `/api/v1/monitors/${mx.body.id}`,
        { dns: { recordType: 'A' } },
        user.accessToken,
      );
      assert.equal(toA.status, 409, 'changing MX to the A another monitor has');
      const toTxt = await stack.api.patch<Monitor>(
        `/api/v1/monitors/${mx.body.id}`,
        { dns: { recordType: 'TXT' } },
        user.accessToken,
      );
      assert.equal(toTxt.status, 200, JSON.stringify(toTxt.body));
      assert.deepEqual(toTxt.body.dns, { recordType: 'TXT', resolver: null, expected: [] });
      const mxAgain = await create(dns('MX'), user.accessToken);
      assert.equal(mxAgain.status, 201, 'MX is free again');
    });

    it('should create record types of one name in a bulk, and refuse a type twice or one already monitored', async () => {
      const user = await stack.api.newUser('dns-bulk');
      const both = await stack.api.post<{ items: Monitor[] }>(
        '/api/v1/monitors/bulk',
        { monitors: [dns('A'), dns('AAAA')] },
        user.accessToken,
      );
      assert.equal(both.status, 201, JSON.stringify(both.body));
      assert.equal(both.body.items.length, 2);
      const twice = await stack.api.post<ProblemBody>(
        '/api/v1/monitors/bulk',
        { monitors: [dns('NS'), dns('NS', 'again')] },
        user.accessToken,
      );
      assert.equal(twice.status, 400);
      assert.deepEqual(twice.body.errors, [
        { field: 'monitors[1].url', message: 'has the same URL and record type as monitors[0]' },
      ]);
      const stored = await stack.api.post<ProblemBody>(
        '/api/v1/monitors/bulk',
        { monitors: [dns('MX'), dns('AAAA', 'again')] },
        user.accessToken,
      );
      assert.equal(stored.status, 409);
      assert.match(JSON.stringify(stored.body), /monitors\[1\]/);
      assert.doesNotMatch(JSON.stringify(stored.body), /monitors\[0\]/);
    });

    it('should have PostgreSQL refuse a second row of one owner, name and record type', async () => {
      const user = await stack.api.newUser('dns-index');
      const a = await create(dns('CNAME'), user.accessToken);
      assert.equal(a.status, 201);
      // A copy of the row with another id and the given record type, straight into the table.
      const copy = (recordType: string) =>
        query(
          db.url,
          `create temp table copied as select * from registry.monitors where id = '${a.body.id}';
           update copied set id = gen_random_uuid(),
             dns = jsonb_set(dns, '{recordType}', to_jsonb('${recordType}'::text));
           insert into registry.monitors select * from copied;`,
        );
      await assert.rejects(copy('CNAME'), /monitors_owner_target_unique/);
      await copy('TXT');
    });
  });
});
