import type { RunningService } from '@uptime/service-host';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startGateway } from '../../apps/gateway/src/bootstrap';
import { ApiClient } from '../support/api-client';
import { Pipeline } from '../support/pipeline';
import { gatewayConfig } from '../support/services';
import { query } from '../support/test-database';
import { waitFor } from '../support/wait-for';

type Account = Awaited<ReturnType<ApiClient['newUser']>>;
interface ApiKey {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdBy: string | null;
  key?: string;
}
interface Problem {
  type: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}

/**
 * API keys over HTTP, on two gateway replicas sharing one registry: a key is shown once, acts in
 * its team with its role and nowhere else, cannot manage people or keys, and stops working on
 * every replica the moment it is deleted, expires or its team goes.
 */
describe('api keys', () => {
  const pipeline = new Pipeline();
  let replica: RunningService;
  /** Gateway A (the pipeline's) and gateway B (a second replica on the same NATS). */
  let a: ApiClient;
  let b: ApiClient;
  let owner: Account;

  before(async () => {
    await pipeline.start({ probers: 0, schedulers: 0 });
    a = pipeline.api;
    replica = await startGateway(gatewayConfig({ defaultRegions: [pipeline.region] }));
    b = new ApiClient(replica.url!.replace('[::1]', '127.0.0.1'));
    owner = await a.newUser('key-owner');
  });
  after(async () => {
    await replica?.close();
    await pipeline.stop();
  });

  const newTeam = async (token = owner.accessToken) => {
    const res = await a.post<{ id: string }>(
      '/api/v1/teams',
      { name: `team ${randomUUID().slice(0, 6)}` },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };

  const join = async (teamId: string, who: Account, role: string) => {
    await query(
      pipeline.db.url,
      `insert into registry.team_members (team_id, user_id, role, joined_at) values ($1, $2, $3, now())`,
      [teamId, who.id, role],
    );
  };

  /** Calls as `token` (an access token or a key), in `teamId` when given. */
  const as = (token: string, teamId?: string, api = a) => {
    const headers: Record<string, string> = teamId ? { 'x-team-id': teamId } : {};
    return {
      get: <T = Problem>(path: string) => api.request<T>('GET', path, { token, headers }),
      post: <T = Problem>(path: string, body?: unknown) =>
        api.request<T>('POST', path, { token, body, headers }),
      delete: <T = Problem>(path: string) => api.request<T>('DELETE', path, { token, headers }),
    };
  };

  const createKey = async (
    teamId: string,
    body: { name?: string; role: string; expiresAt?: string },
    token = owner.accessToken,
  ) => {
    const res = await as(token, teamId).post<ApiKey>('/api/v1/api-keys', {
      name: `key ${randomUUID().slice(0, 6)}`,
      ...body,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as ApiKey & { key: string };
  };

  const monitorBody = (name: string) => ({
    name,
    url: `https://example.com/${randomUUID()}`,
    intervalSeconds: 60,
  });

  const assertRefused = (res: { status: number; body: Problem }) => {
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.type, '/problems/unauthorized');
    assert.equal(res.body.detail, 'The API key is not valid (unknown, revoked or expired).');
  };

  it('should show the key once, then only its prefix, and store only its hash', async () => {
    const teamId = await newTeam();
    const res = await as(owner.accessToken, teamId).post<ApiKey>('/api/v1/api-keys', {
      name: 'deploy bot',
      role: 'editor',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('location'), `/api/v1/api-keys/${res.body.id}`);
    const created = res.body;
    assert.match(created.key!, /^upk_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.prefix, created.key!.slice(0, 12));
    assert.deepEqual(withoutKey(created), {
      id: created.id,
      name: 'deploy bot',
      role: 'editor',
      prefix: created.prefix,
      createdAt: created.createdAt,
      expiresAt: null,
      lastUsedAt: null,
      createdBy: owner.id,
    });
    const list = await as(owner.accessToken, teamId).get<{ items: ApiKey[] }>('/api/v1/api-keys');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items, [withoutKey(created)]);
    assert.ok(!JSON.stringify(list.body).includes(created.key!.slice(12)));
    const rows = await query<{ key_hash: string; prefix: string }>(
      pipeline.db.url,
      'select key_hash, prefix from registry.api_keys where id = $1',
      [created.id],
    );
    assert.deepEqual(rows, [
      {
        key_hash: createHash('sha256').update(created.key!).digest('hex'),
        prefix: created.prefix,
      },
    ]);
  });

  it("should act with the key's role in its team: an editor key writes, a viewer key reads", async () => {
    const teamId = await newTeam();
    const editor = await createKey(teamId, { role: 'editor' });
    const viewer = await createKey(teamId, { role: 'viewer' });
    const monitor = await as(editor.key).post<{ id: string; ownerId: string }>(
      '/api/v1/monitors',
      monitorBody('by key'),
    );
    assert.equal(monitor.status, 201, JSON.stringify(monitor.body));
    assert.equal(monitor.body.ownerId, teamId);
    // Naming its own team is the same as naming none.
    const listed = await as(viewer.key, teamId).get<{ items: { id: string }[] }>(
      '/api/v1/monitors',
    );
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.items.map((m) => m.id),
      [monitor.body.id],
    );
    const refused = await as(viewer.key).post('/api/v1/monitors', monitorBody('nope'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body.type, '/problems/forbidden');
    assert.match(refused.body.detail, /viewer.*editor/);
  });

  it('should keep a key to its team: another team or its monitors answer 404', async () => {
    const teamId = await newTeam();
    const otherTeam = await newTeam();
    const key = await createKey(teamId, { role: 'owner' });
    const elsewhere = await as(owner.accessToken, otherTeam).post<{ id: string }>(
      '/api/v1/monitors',
      monitorBody('elsewhere'),
    );
    const personal = await as(owner.accessToken).post<{ id: string }>(
      '/api/v1/monitors',
      monitorBody('personal'),
    );
    assert.equal((await as(key.key, otherTeam).get('/api/v1/monitors')).status, 404);
    assert.equal((await as(key.key, owner.id).get('/api/v1/monitors')).status, 404);
    assert.equal((await as(key.key).get(`/api/v1/monitors/${elsewhere.body.id}`)).status, 404);
    assert.equal((await as(key.key).get(`/api/v1/monitors/${personal.body.id}`)).status, 404);
    assert.equal((await as(key.key).get(`/api/v1/teams/${otherTeam}`)).status, 404);
    assert.equal((await as(key.key).get(`/api/v1/teams/${teamId}`)).status, 200);
  });

  it('should refuse a key what only a signed-in person may do, with 403', async () => {
    const teamId = await newTeam();
    const key = await createKey(teamId, { role: 'owner' });
    const asKey = as(key.key);
    for (const res of [
      await asKey.get('/api/v1/auth/me'),
      await asKey.get('/api/v1/teams'),
      await asKey.post('/api/v1/teams', { name: 'by key' }),
      await asKey.delete(`/api/v1/teams/${teamId}`),
      await asKey.get('/api/v1/api-keys'),
      await asKey.post('/api/v1/api-keys', { name: 'child', role: 'viewer' }),
      await asKey.delete(`/api/v1/api-keys/${key.id}`),
    ]) {
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.body.type, '/problems/forbidden');
    }
  });

  it("should not mint a key above its creator's role, nor let a viewer or editor manage keys", async () => {
    const teamId = await newTeam();
    const admin = await a.newUser('key-admin');
    const editor = await a.newUser('key-editor');
    await join(teamId, admin, 'admin');
    await join(teamId, editor, 'editor');
    const ownerKey = await as(admin.accessToken, teamId).post('/api/v1/api-keys', {
      name: 'too strong',
      role: 'owner',
    });
    assert.equal(ownerKey.status, 403);
    assert.equal(ownerKey.body.type, '/problems/forbidden');
    await createKey(teamId, { role: 'admin' }, admin.accessToken);
    for (const res of [
      await as(editor.accessToken, teamId).post('/api/v1/api-keys', { name: 'e', role: 'viewer' }),
      await as(editor.accessToken, teamId).get('/api/v1/api-keys'),
    ]) {
      assert.equal(res.status, 403);
    }
    // Only an owner revokes an owner key.
    const byOwner = await createKey(teamId, { role: 'owner' });
    const revoke = await as(admin.accessToken, teamId).delete(`/api/v1/api-keys/${byOwner.id}`);
    assert.equal(revoke.status, 403);
  });

  it('should name every bad field of a key', async () => {
    const teamId = await newTeam();
    const res = await as(owner.accessToken, teamId).post('/api/v1/api-keys', {
      name: '',
      role: 'superuser',
      expiresAt: 'tomorrow',
      scopes: ['all'],
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors!.map((e) => e.field).sort(), [
      'expiresAt',
      'name',
      'role',
      'scopes',
    ]);
    const past = await as(owner.accessToken, teamId).post('/api/v1/api-keys', {
      name: 'late',
      role: 'viewer',
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    assert.equal(past.status, 400);
    assert.deepEqual(past.body.errors, [{ field: 'expiresAt', message: 'must be in the future' }]);
    const far = await as(owner.accessToken, teamId).post('/api/v1/api-keys', {
      name: 'forever',
      role: 'viewer',
      expiresAt: new Date(Date.now() + 3 * 365 * 86_400_000).toISOString(),
    });
    assert.equal(far.status, 400);
    assert.deepEqual(
      far.body.errors!.map((e) => e.field),
      ['expiresAt'],
    );
    const missing = await as(owner.accessToken, teamId).post('/api/v1/api-keys', {});
    assert.deepEqual(missing.body.errors!.map((e) => e.field).sort(), ['name', 'role']);
  });

  it('should answer every key that does not work with the same 401, telling nothing more', async () => {
    const unknown = `upk_${randomBytes(32).toString('base64url')}`;
    assertRefused(await as(unknown).get('/api/v1/monitors'));
    assertRefused(await as('upk_short').get('/api/v1/monitors'));
    const res = await as(unknown).get('/api/v1/monitors');
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    // Any other bearer is an access token, refused as one.
    const jwt = await as('not-a-key').get('/api/v1/monitors');
    assert.equal(jwt.status, 401);
  });

  it('should stop a revoked key on every gateway at once, without waiting for caches', async () => {
    const teamId = await newTeam();
    const key = await createKey(teamId, { role: 'viewer' });
    // Both replicas now remember the key.
    assert.equal((await as(key.key, undefined, a).get('/api/v1/monitors')).status, 200);
    assert.equal((await as(key.key, undefined, b).get('/api/v1/monitors')).status, 200);
    assert.equal((await as(key.key, undefined, b).get('/api/v1/monitors')).status, 200);
    const deleted = await as(owner.accessToken, teamId).delete(`/api/v1/api-keys/${key.id}`);
    assert.equal(deleted.status, 204);
    assertRefused(await as(key.key, undefined, b).get('/api/v1/monitors'));
    assertRefused(await as(key.key, undefined, a).get('/api/v1/monitors'));
    const list = await as(owner.accessToken, teamId).get<{ items: ApiKey[] }>('/api/v1/api-keys');
    assert.deepEqual(list.body.items, []);
    assert.equal(
      (await as(owner.accessToken, teamId).delete(`/api/v1/api-keys/${key.id}`)).status,
      404,
    );
  });

  it("should answer 404 for another team's key and leave it working", async () => {
    const teamId = await newTeam();
    const otherTeam = await newTeam();
    const key = await createKey(otherTeam, { role: 'viewer' });
    const res = await as(owner.accessToken, teamId).delete(`/api/v1/api-keys/${key.id}`);
    assert.equal(res.status, 404);
    assert.equal((await as(key.key).get('/api/v1/monitors')).status, 200);
  });

  it('should refuse an expired key, also where it is remembered', async () => {
    const teamId = await newTeam();
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const key = await createKey(teamId, { role: 'viewer', expiresAt });
    assert.equal(key.expiresAt, expiresAt);
    assert.equal((await as(key.key, undefined, a).get('/api/v1/monitors')).status, 200);
    assert.equal((await as(key.key, undefined, b).get('/api/v1/monitors')).status, 200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 50));
    assertRefused(await as(key.key, undefined, a).get('/api/v1/monitors'));
    assertRefused(await as(key.key, undefined, b).get('/api/v1/monitors'));
  });

  it('should record when a key was last used', async () => {
    const teamId = await newTeam();
    const key = await createKey(teamId, { role: 'viewer' });
    const before = Date.now();
    assert.equal((await as(key.key).get('/api/v1/monitors')).status, 200);
    const used = await waitFor('the last use recorded', async () => {
      const list = await as(owner.accessToken, teamId).get<{ items: ApiKey[] }>('/api/v1/api-keys');
      return list.body.items[0]?.lastUsedAt ?? undefined;
    });
    assert.ok(Date.parse(used) >= before - 1000, used);
  });

  it("should stop a team's keys on every gateway when the team is deleted", async () => {
    const teamId = await newTeam();
    const key = await createKey(teamId, { role: 'admin' });
    assert.equal((await as(key.key, undefined, a).get('/api/v1/monitors')).status, 200);
    assert.equal((await as(key.key, undefined, b).get('/api/v1/monitors')).status, 200);
    assert.equal((await a.delete(`/api/v1/teams/${teamId}`, owner.accessToken)).status, 204);
    assertRefused(await as(key.key, undefined, b).get('/api/v1/monitors'));
    assertRefused(await as(key.key, undefined, a).get('/api/v1/monitors'));
    const rows = await query(pipeline.db.url, 'select id from registry.api_keys where id = $1', [
      key.id,
    ]);
    assert.equal(rows.length, 0);
  });

  it('should refuse a key past the per-team quota with 403', async () => {
    const teamId = await newTeam();
    const values = Array.from(
      { length: 100 },
      (_, i) =>
        `('${randomUUID()}', '${teamId}', 'bulk ${i}', 'viewer', 'upk_bulk', '${randomBytes(32).toString('hex')}', now())`,
    );
    // The first 100 through SQL, to keep the test short; the quota counts them all the same.
    await query(
      pipeline.db.url,
      `insert into registry.api_keys (id, team_id, name, role, prefix, key_hash, created_at) values ${values.join(', ')}`,
    );
    const res = await as(owner.accessToken, teamId).post('/api/v1/api-keys', {
      name: 'one too many',
      role: 'viewer',
    });
    assert.equal(res.status, 403);
    assert.equal(res.body.type, '/problems/quota-exceeded');
    // Another team is not affected.
    await createKey(await newTeam(), { role: 'viewer' });
  });
});

function withoutKey(key: ApiKey): ApiKey {
  const { key: _, ...rest } = key;
  return rest;
}
