import type { Monitor } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ApiClient } from '../support/api-client';
import { Pipeline } from '../support/pipeline';
import { joinTeam } from '../support/teams';
import { query } from '../support/test-database';

type Account = Awaited<ReturnType<ApiClient['newUser']>>;
interface Team {
  id: string;
  name: string;
  personal: boolean;
  role: string;
}

/**
 * Teams over HTTP: every account's personal team, teams of several people, and the rules that
 * keep a team's data to its members and a team with an owner.
 */
describe('teams', () => {
  const pipeline = new Pipeline();
  let api: ApiClient;
  let owner: Account;
  let stranger: Account;

  before(async () => {
    await pipeline.start({ probers: 0, schedulers: 0 });
    api = pipeline.api;
    owner = await api.newUser('owner');
    stranger = await api.newUser('stranger');
  });
  after(() => pipeline.stop());

  const newTeam = async (name = `team ${randomUUID().slice(0, 6)}`) => {
    const res = await api.post<Team>('/api/v1/teams', { name }, owner.accessToken);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  const join = (teamId: string, who: Account, role: string) =>
    joinTeam(api, owner.accessToken, teamId, who, role);

  const inTeam = (teamId: string, token: string) => ({
    get: <T>(path: string) =>
      api.request<T>('GET', path, { token, headers: { 'x-team-id': teamId } }),
    post: <T>(path: string, body: unknown) =>
      api.request<T>('POST', path, { token, body, headers: { 'x-team-id': teamId } }),
  });

  const monitorBody = (name: string) => ({
    name,
    url: `https://example.com/${randomUUID()}`,
    intervalSeconds: 60,
  });

  it('should give every account a personal team it owns, with its own id', async () => {
    const res = await api.get<{ items: Team[] }>('/api/v1/teams', owner.accessToken);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.items.map((t) => ({ id: t.id, personal: t.personal, role: t.role })),
      [{ id: owner.id, personal: true, role: 'owner' }],
    );
  });

  it('should create a team owned by its creator and list it after the personal one', async () => {
    const team = await newTeam('Platform');
    assert.equal(team.role, 'owner');
    assert.equal(team.personal, false);
    const res = await api.get<{ items: Team[] }>('/api/v1/teams', owner.accessToken);
    assert.deepEqual(
      res.body.items.map((t) => t.id),
      [owner.id, team.id],
    );
    const members = await api.get<{ items: { userId: string; role: string; joinedAt: string }[] }>(
      `/api/v1/teams/${team.id}/members`,
      owner.accessToken,
    );
    assert.deepEqual(members.body.items, [
      {
        userId: owner.id,
        email: owner.email,
        role: 'owner',
        joinedAt: members.body.items[0]!.joinedAt,
      },
    ]);
  });

  it('should keep monitors to the team X-Team-Id names, personal by default', async () => {
    const team = await newTeam();
    const shared = await inTeam(team.id, owner.accessToken).post<Monitor>(
      '/api/v1/monitors',
      monitorBody('shared'),
    );
    assert.equal(shared.status, 201, JSON.stringify(shared.body));
    assert.equal(shared.body.ownerId, team.id);
    const personal = await api.get<{ items: Monitor[] }>('/api/v1/monitors', owner.accessToken);
    assert.ok(!personal.body.items.some((m) => m.id === shared.body.id));
    const inTheTeam = await inTeam(team.id, owner.accessToken).get<{ items: Monitor[] }>(
      '/api/v1/monitors',
    );
    assert.deepEqual(
      inTheTeam.body.items.map((m) => m.id),
      [shared.body.id],
    );
    // From the personal scope the team's monitor is as unknown as a missing one.
    const byId = await api.get(`/api/v1/monitors/${shared.body.id}`, owner.accessToken);
    assert.equal(byId.status, 404);
  });

  it('should answer 404 to anyone outside the team, for the team and for each of its ids', async () => {
    const team = await newTeam();
    const monitor = await inTeam(team.id, owner.accessToken).post<Monitor>(
      '/api/v1/monitors',
      monitorBody('private'),
    );
    const outside = inTeam(team.id, stranger.accessToken);
    assert.equal((await outside.get('/api/v1/monitors')).status, 404);
    assert.equal((await outside.get(`/api/v1/monitors/${monitor.body.id}`)).status, 404);
    assert.equal((await api.get(`/api/v1/teams/${team.id}`, stranger.accessToken)).status, 404);
    assert.equal(
      (await api.get(`/api/v1/teams/${team.id}/members`, stranger.accessToken)).status,
      404,
    );
    assert.equal(
      (await api.get(`/api/v1/monitors/${monitor.body.id}`, stranger.accessToken)).status,
      404,
    );
  });

  it('should answer 400 naming X-Team-Id when it is not a team id', async () => {
    const res = await api.request<{ errors: { field: string }[] }>('GET', '/api/v1/monitors', {
      token: owner.accessToken,
      headers: { 'x-team-id': 'not-a-uuid' },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(
      res.body.errors.map((e) => e.field),
      ['X-Team-Id'],
    );
  });

  it('should let a viewer read and refuse it changes with 403', async () => {
    const team = await newTeam();
    const viewer = await api.newUser('viewer');
    await join(team.id, viewer, 'viewer');
    const asViewer = inTeam(team.id, viewer.accessToken);
    assert.equal((await asViewer.get('/api/v1/monitors')).status, 200);
    const refused = await asViewer.post<{ type: string; detail: string }>(
      '/api/v1/monitors',
      monitorBody('nope'),
    );
    assert.equal(refused.status, 403);
    assert.equal(refused.body.type, '/problems/forbidden');
    assert.match(refused.body.detail, /viewer.*editor/);
  });

  it('should let an admin manage roles below owner but not make or touch an owner', async () => {
    const team = await newTeam();
    const admin = await api.newUser('admin');
    const member = await api.newUser('member');
    await join(team.id, admin, 'admin');
    await join(team.id, member, 'viewer');
    const path = (who: Account) => `/api/v1/teams/${team.id}/members/${who.id}`;
    const promoted = await api.patch<{ role: string }>(
      path(member),
      { role: 'editor' },
      admin.accessToken,
    );
    assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    assert.equal(promoted.body.role, 'editor');
    assert.equal((await api.patch(path(member), { role: 'owner' }, admin.accessToken)).status, 403);
    assert.equal((await api.patch(path(owner), { role: 'viewer' }, admin.accessToken)).status, 403);
    assert.equal((await api.delete(path(owner), admin.accessToken)).status, 403);
    const badRole = await api.patch<{ errors: { field: string }[] }>(
      path(member),
      { role: 'superuser' },
      admin.accessToken,
    );
    assert.equal(badRole.status, 400);
    assert.deepEqual(
      badRole.body.errors.map((e) => e.field),
      ['role'],
    );
  });

  it('should apply a lowered role and a removal at once', async () => {
    const team = await newTeam();
    const editor = await api.newUser('editor');
    await join(team.id, editor, 'editor');
    const asEditor = inTeam(team.id, editor.accessToken);
    assert.equal((await asEditor.post('/api/v1/monitors', monitorBody('before'))).status, 201);
    const path = `/api/v1/teams/${team.id}/members/${editor.id}`;
    assert.equal((await api.patch(path, { role: 'viewer' }, owner.accessToken)).status, 200);
    assert.equal((await asEditor.post('/api/v1/monitors', monitorBody('after'))).status, 403);
    assert.equal((await api.delete(path, owner.accessToken)).status, 204);
    assert.equal((await asEditor.get('/api/v1/monitors')).status, 404);
  });

  it('should keep a last owner: not demoted, not removed, cannot leave', async () => {
    const team = await newTeam();
    const path = `/api/v1/teams/${team.id}/members/${owner.id}`;
    assert.equal((await api.patch(path, { role: 'admin' }, owner.accessToken)).status, 409);
    assert.equal((await api.delete(path, owner.accessToken)).status, 409);
    assert.equal(
      (await api.post(`/api/v1/teams/${team.id}/leave`, undefined, owner.accessToken)).status,
      409,
    );
    const second = await api.newUser('second-owner');
    await join(team.id, second, 'owner');
    assert.equal((await api.patch(path, { role: 'admin' }, owner.accessToken)).status, 200);
    // Now `second` is the last owner.
    assert.equal(
      (await api.post(`/api/v1/teams/${team.id}/leave`, undefined, second.accessToken)).status,
      409,
    );
  });

  it('should let a member leave, after which the team is gone for them', async () => {
    const team = await newTeam();
    const member = await api.newUser('leaver');
    await join(team.id, member, 'editor');
    const left = await api.post(`/api/v1/teams/${team.id}/leave`, undefined, member.accessToken);
    assert.equal(left.status, 204);
    assert.equal((await api.get(`/api/v1/teams/${team.id}`, member.accessToken)).status, 404);
  });

  it('should refuse to delete or leave a personal team, and keep its channels', async () => {
    const channel = await api.post<{ id: string }>(
      '/api/v1/channels',
      {
        name: 'kept',
        type: 'webhook',
        config: { url: 'https://example.com/hook', secret: randomUUID() },
      },
      owner.accessToken,
    );
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    assert.equal((await api.delete(`/api/v1/teams/${owner.id}`, owner.accessToken)).status, 409);
    assert.equal(
      (await api.get(`/api/v1/channels/${channel.body.id}`, owner.accessToken)).status,
      200,
    );
    assert.equal(
      (await api.post(`/api/v1/teams/${owner.id}/leave`, undefined, owner.accessToken)).status,
      409,
    );
  });

  it('should let only an owner delete a team, and take its monitors and channels with it', async () => {
    const team = await newTeam();
    const admin = await api.newUser('admin2');
    await join(team.id, admin, 'admin');
    const asOwner = inTeam(team.id, owner.accessToken);
    const monitor = await asOwner.post<Monitor>('/api/v1/monitors', monitorBody('doomed'));
    const channel = await asOwner.post<{ id: string }>('/api/v1/channels', {
      name: 'hook',
      type: 'webhook',
      config: { url: 'https://example.com/hook', secret: randomUUID() },
    });
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    assert.equal((await api.delete(`/api/v1/teams/${team.id}`, admin.accessToken)).status, 403);
    assert.equal((await api.delete(`/api/v1/teams/${team.id}`, owner.accessToken)).status, 204);
    assert.equal((await api.get(`/api/v1/teams/${team.id}`, owner.accessToken)).status, 404);
    const rows = await query(pipeline.db.url, 'select id from registry.monitors where id = $1', [
      monitor.body.id,
    ]);
    assert.equal(rows.length, 0);
    const channels = await query(
      pipeline.db.url,
      'select id from notifier.channels where id = $1',
      [channel.body.id],
    );
    assert.equal(channels.length, 0);
  });

  it('should name the bad field of a team', async () => {
    const res = await api.post<{ errors: { field: string }[] }>(
      '/api/v1/teams',
      { name: '', colour: 'red' },
      owner.accessToken,
    );
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors.map((e) => e.field).sort(), ['colour', 'name']);
  });
});
