import { TEAM_ROLES, type TeamRole, roleAtLeast } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RunningService } from '@uptime/service-host';
import { startGateway } from '../../apps/gateway/src/bootstrap';
import { ApiClient, type ApiResponse } from '../support/api-client';
import { Pipeline } from '../support/pipeline';
import { gatewayConfig } from '../support/services';
import { TargetServer } from '../support/target-server';
import { joinTeam, tokenOf } from '../support/teams';

/** Who calls: a member of the team with a role, or a signed-in account not in the team. */
type Actor = TeamRole | 'outsider';
const ACTORS: readonly Actor[] = [...[...TEAM_ROLES].reverse(), 'outsider'];

/** `METHOD /api/v1/path/{param}`, exactly as the gateway's OpenAPI document names the route. */
type Route = `${'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'} /api/v1/${string}`;

/** The parts of one request; `params` fill the route's `{param}`s. */
interface RequestParts {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

/**
 * One route of the matrix: the weakest role allowed (or any signed-in account, in no team), and
 * how to build a valid request. A team member whose role is weaker must get exactly 403, an
 * account outside the team exactly 404, an allowed caller a 2xx (or the `answers` stated).
 */
interface Row {
  route: Route;
  allowed: TeamRole | 'signed-in';
  /** Built anew for every call, just before it: a destructive row makes its own victim. */
  request?: (f: Fixtures, actor: Actor) => RequestParts | Promise<RequestParts>;
  /** A domain answer an allowed caller gets instead of a 2xx, by actor. */
  answers?: Partial<Record<Actor, number>>;
  /** Only people may call it: an API key, whatever its role, gets 403 (`signed-in` rows too). */
  people?: true;
  /**
   * Its calls run one after the other. The calls of other rows run at once (each builds its own
   * request and victim); a row that registers an account per call does not: hashing several
   * passwords at once on a busy machine only makes registrations time out.
   */
  serial?: true;
}

/** What the rows act on: one team with one member of each role, and things in it. */
interface Fixtures {
  teamId: string;
  /** An API key of the team per role. */
  keys: Map<TeamRole, string>;
  monitorId: string;
  channelId: string;
  /** A viewer of the team (then an editor: the row changing a role makes it one). */
  memberId: string;
  /** A monitor of the team, for one call to change or delete. */
  newMonitor(): Promise<string>;
  /** A webhook channel of the team (to the loopback receiver), for one call. */
  newChannel(): Promise<string>;
  /** A fresh channel of the team with one (test) alert, for one call. */
  newChannelWithAlert(): Promise<{ channelId: string; alertId: string }>;
  /** A pending invitation of the team (to a fresh address), for one call to revoke. */
  newInvitation(): Promise<string>;
  /** The token of an invitation of `actor`'s email into a fresh team of someone else. */
  invitationFor(actor: Actor): Promise<string>;
  /** A viewer API key of the team, for one call to revoke. */
  newApiKey(): Promise<string>;
  /** A maintenance window of the team (of its monitor), for one call to change or delete. */
  newMaintenanceWindow(): Promise<string>;
  maintenanceWindowId: string;
  /** A private status page of the team (showing its monitor), for one call to change or delete. */
  newStatusPage(): Promise<string>;
  statusPageId: string;
  /** A fresh account that is a viewer of the team, for one call to change or remove. */
  newMember(): Promise<string>;
  /** A fresh team, founded by someone else, in which `actor` has its role (the outsider: none). */
  teamOf(actor: Actor): Promise<string>;
  /** A valid new monitor, checking a path of the loopback target. */
  monitorBody(): Record<string, unknown>;
  /** A valid new webhook channel, posting to the loopback receiver. */
  webhookBody(): Record<string, unknown>;
}

const team = (f: Fixtures) => ({ params: { id: f.teamId } });
const monitor = (f: Fixtures) => ({ params: { id: f.monitorId } });
const channel = (f: Fixtures) => ({ params: { id: f.channelId } });
const maintenanceWindow = (f: Fixtures) => ({ params: { id: f.maintenanceWindowId } });
const statusPage = (f: Fixtures) => ({ params: { id: f.statusPageId } });
const slug = () => `matrix-${randomUUID().slice(0, 8)}`;
const maintenanceBody = (f: Fixtures) => ({
  name: `window ${randomUUID().slice(0, 6)}`,
  monitorIds: [f.monitorId],
  startsAt: '2030-01-01T00:00:00Z',
  endsAt: '2030-01-01T01:00:00Z',
});

/**
 * Every authenticated route of the gateway. Add a row per new route: the completeness test below
 * fails naming any authenticated operation of the OpenAPI document that has none.
 */
const ROUTES: Row[] = [
  // auth
  { route: 'GET /api/v1/auth/me', allowed: 'signed-in' },

  // teams: the team is the route's {id}
  {
    route: 'POST /api/v1/teams',
    allowed: 'signed-in',
    request: () => ({ body: { name: `matrix ${randomUUID().slice(0, 6)}` } }),
  },
  { route: 'GET /api/v1/teams', allowed: 'signed-in' },
  { route: 'GET /api/v1/teams/{id}', allowed: 'viewer', request: team },
  {
    route: 'PATCH /api/v1/teams/{id}',
    people: true,
    allowed: 'admin',
    request: (f) => ({ ...team(f), body: { name: 'Access matrix' } }),
  },
  {
    route: 'DELETE /api/v1/teams/{id}',
    people: true,
    allowed: 'owner',
    request: async (f, actor) => ({ params: { id: await f.teamOf(actor) } }),
  },
  { route: 'GET /api/v1/teams/{id}/members', allowed: 'viewer', request: team },
  {
    route: 'PATCH /api/v1/teams/{id}/members/{userId}',
    people: true,
    allowed: 'admin',
    request: (f) => ({ params: { id: f.teamId, userId: f.memberId }, body: { role: 'editor' } }),
  },
  {
    route: 'DELETE /api/v1/teams/{id}/members/{userId}',
    people: true,
    allowed: 'admin',
    request: async (f) => ({ params: { id: f.teamId, userId: await f.newMember() } }),
    serial: true,
  },
  {
    route: 'POST /api/v1/teams/{id}/leave',
    people: true,
    allowed: 'viewer',
    request: async (f, actor) => ({ params: { id: await f.teamOf(actor) } }),
  },
  // invitations (accepting one needs only a signed-in account with the invited address)
  {
    route: 'POST /api/v1/teams/{id}/invitations',
    people: true,
    allowed: 'admin',
    request: (f) => ({
      ...team(f),
      body: { email: `invitee-${randomUUID()}@example.test`, role: 'viewer' },
    }),
  },
  {
    route: 'GET /api/v1/teams/{id}/invitations',
    people: true,
    allowed: 'admin',
    request: team,
  },
  {
    route: 'DELETE /api/v1/teams/{id}/invitations/{invitationId}',
    people: true,
    allowed: 'admin',
    request: async (f) => ({
      params: { ...team(f).params, invitationId: await f.newInvitation() },
    }),
  },
  {
    route: 'POST /api/v1/invitations/{token}/accept',
    allowed: 'signed-in',
    request: async (f, actor) => ({ params: { token: await f.invitationFor(actor) } }),
  },

  // monitors
  {
    route: 'POST /api/v1/monitors',
    allowed: 'editor',
    request: (f) => ({ body: f.monitorBody() }),
  },
  {
    route: 'POST /api/v1/monitors/bulk',
    allowed: 'editor',
    request: (f) => ({ body: { monitors: [f.monitorBody(), f.monitorBody()] } }),
  },
  { route: 'GET /api/v1/monitors', allowed: 'viewer' },
  { route: 'GET /api/v1/monitors/{id}', allowed: 'viewer', request: monitor },
  {
    route: 'PATCH /api/v1/monitors/{id}',
    allowed: 'editor',
    request: (f) => ({ ...monitor(f), body: { name: `renamed ${randomUUID().slice(0, 6)}` } }),
  },
  {
    route: 'DELETE /api/v1/monitors/{id}',
    allowed: 'editor',
    request: async (f) => ({ params: { id: await f.newMonitor() } }),
  },
  {
    route: 'POST /api/v1/monitors/{id}/pause',
    allowed: 'editor',
    request: async (f) => ({ params: { id: await f.newMonitor() } }),
  },
  {
    route: 'POST /api/v1/monitors/{id}/resume',
    allowed: 'editor',
    request: async (f) => ({ params: { id: await f.newMonitor() } }),
  },

  // checks: a prober checks the monitor's target on loopback
  { route: 'POST /api/v1/monitors/{id}/check', allowed: 'editor', request: monitor },
  { route: 'GET /api/v1/monitors/{id}/checks', allowed: 'viewer', request: monitor },
  {
    route: 'DELETE /api/v1/monitors/{id}/checks',
    allowed: 'editor',
    request: async (f) => ({ params: { id: await f.newMonitor() } }),
  },
  { route: 'GET /api/v1/monitors/{id}/stats', allowed: 'viewer', request: monitor },
  { route: 'GET /api/v1/monitors/{id}/response-times', allowed: 'viewer', request: monitor },
  {
    route: 'GET /api/v1/monitors/response-times',
    allowed: 'viewer',
    request: (f) => ({ query: { ids: f.monitorId } }),
  },
  { route: 'GET /api/v1/monitors/{id}/report', allowed: 'viewer', request: monitor },
  {
    route: 'GET /api/v1/monitors/{id}/coverage',
    allowed: 'viewer',
    request: (f) => ({
      ...monitor(f),
      query: { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() },
    }),
  },
  { route: 'GET /api/v1/monitors/{id}/checks.csv', allowed: 'viewer', request: monitor },

  // incidents and the dashboard
  { route: 'GET /api/v1/incidents', allowed: 'viewer' },
  { route: 'GET /api/v1/monitors/{id}/incidents', allowed: 'viewer', request: monitor },
  { route: 'GET /api/v1/dashboard', allowed: 'viewer' },

  // monitors as code (a dry run: it plans, changes nothing)
  { route: 'GET /api/v1/config/export', allowed: 'viewer' },
  {
    route: 'POST /api/v1/config/apply',
    allowed: 'editor',
    request: () => ({ query: { dryRun: 'true' }, body: { version: 1, monitors: [] } }),
  },

  // channels
  {
    route: 'POST /api/v1/channels',
    allowed: 'admin',
    request: (f) => ({ body: f.webhookBody() }),
  },
  { route: 'GET /api/v1/channels', allowed: 'viewer' },
  { route: 'GET /api/v1/channels/{id}', allowed: 'viewer', request: channel },
  {
    route: 'PATCH /api/v1/channels/{id}',
    allowed: 'admin',
    request: (f) => ({ ...channel(f), body: { name: `hook ${randomUUID().slice(0, 6)}` } }),
  },
  {
    route: 'DELETE /api/v1/channels/{id}',
    allowed: 'admin',
    request: async (f) => ({ params: { id: await f.newChannel() } }),
  },
  { route: 'POST /api/v1/channels/{id}/test', allowed: 'admin', request: channel },

  // alerts
  { route: 'GET /api/v1/alerts', allowed: 'viewer' },
  {
    route: 'DELETE /api/v1/alerts',
    allowed: 'admin',
    request: async (f) => ({ query: { channelId: (await f.newChannelWithAlert()).channelId } }),
  },
  {
    route: 'DELETE /api/v1/alerts/{id}',
    allowed: 'admin',
    request: async (f) => ({ params: { id: (await f.newChannelWithAlert()).alertId } }),
  },

  // regions: the platform's, but read in a team like every route an API key may call
  { route: 'GET /api/v1/regions', allowed: 'viewer' },
  // region incidents: only in the operator team (OPERATOR_TEAM_ID), which the matrix's team is
  // here; other teams' admins get 403 (region-incident.e2e-spec.ts)
  { route: 'GET /api/v1/regions/incidents', allowed: 'admin' },
  // maintenance windows
  {
    route: 'POST /api/v1/maintenance-windows',
    allowed: 'editor',
    request: (f) => ({ body: maintenanceBody(f) }),
  },
  { route: 'GET /api/v1/maintenance-windows', allowed: 'viewer' },
  { route: 'GET /api/v1/maintenance-windows/{id}', allowed: 'viewer', request: maintenanceWindow },
  {
    route: 'PATCH /api/v1/maintenance-windows/{id}',
    allowed: 'editor',
    request: (f) => ({
      ...maintenanceWindow(f),
      body: { name: `renamed ${randomUUID().slice(0, 6)}` },
    }),
  },
  {
    route: 'DELETE /api/v1/maintenance-windows/{id}',
    allowed: 'editor',
    request: async (f) => ({ params: { id: await f.newMaintenanceWindow() } }),
  },

  // status pages
  {
    route: 'POST /api/v1/status-pages',
    allowed: 'editor',
    request: (f) => ({ body: { slug: slug(), title: 'Matrix', monitorIds: [f.monitorId] } }),
  },
  { route: 'GET /api/v1/status-pages', allowed: 'viewer' },
  { route: 'GET /api/v1/status-pages/{id}', allowed: 'viewer', request: statusPage },
  {
    route: 'PATCH /api/v1/status-pages/{id}',
    allowed: 'editor',
    request: (f) => ({ ...statusPage(f), body: { title: `renamed ${randomUUID().slice(0, 6)}` } }),
  },
  {
    route: 'DELETE /api/v1/status-pages/{id}',
    allowed: 'editor',
    request: async (f) => ({ params: { id: await f.newStatusPage() } }),
  },

  // API keys
  { route: 'GET /api/v1/api-keys', allowed: 'admin', people: true },
  {
    route: 'POST /api/v1/api-keys',
    people: true,
    allowed: 'admin',
    request: () => ({ body: { name: `key ${randomUUID().slice(0, 6)}`, role: 'viewer' } }),
  },
  {
    route: 'DELETE /api/v1/api-keys/{id}',
    people: true,
    allowed: 'admin',
    request: async (f) => ({ params: { id: await f.newApiKey() } }),
  },
];

/** Operations anyone may call, signed in or not: they need no row. */
const PUBLIC: ReadonlySet<string> = new Set([
  'GET /health/live',
  'GET /health/ready',
  'POST /api/v1/auth/register',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/auth/logout',
  'GET /api/v1/config/schema.json',
  // A heartbeat monitor's ping URL: its token is the proof (heartbeat-monitors.e2e-spec.ts).
  'GET /ping/{token}',
  'POST /ping/{token}',
  'GET /ping/{token}/start',
  'POST /ping/{token}/start',
  'GET /ping/{token}/fail',
  'POST /ping/{token}/fail',
  // Public status pages and badges: a private page or monitor reads as missing (status-pages.e2e-spec.ts).
  'GET /api/v1/public/status-pages/{slug}',
  'GET /status/{slug}',
  'GET /badges/{id}/status.svg',
  'GET /badges/{id}/uptime.svg',
  'GET /badges/{id}/response-time.svg',
]);

/** The route's path with its `{param}`s filled in; a param left unfilled is a mistake in a row. */
function pathOf(route: Route, parts: RequestParts): string {
  const template = route.slice(route.indexOf(' ') + 1);
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = parts.params?.[name];
    assert.ok(value, `${route}: the row gives no value for {${name}}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams(parts.query).toString();
  return query ? `${path}?${query}` : path;
}

/** The status `actor` must get: a 2xx (or the stated answer), 403 or 404. */
function expectedOf(row: Row, actor: Actor): 'allowed' | 403 | 404 {
  if (row.allowed === 'signed-in') return 'allowed';
  if (actor === 'outsider') return 404;
  return roleAtLeast(actor, row.allowed) ? 'allowed' : 403;
}

/** Every `{param}` of the route filled with the same id. */
function anyIdsFor(route: Route, id: string): Record<string, string> {
  return Object.fromEntries([...route.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, id]));
}

/** A key acts with its role in its team, and never where only people may. */
function keyExpectationOf(row: Row, role: TeamRole): 'allowed' | 403 {
  if (row.allowed === 'signed-in' || row.people) return 403;
  return roleAtLeast(role, row.allowed) ? 'allowed' : 403;
}

function titleOf(actor: Actor, expected: 'allowed' | 403 | 404, answer?: number): string {
  const who = actor === 'outsider' ? 'an outsider' : `the ${actor}`;
  if (expected !== 'allowed') return `should refuse ${who} with ${expected}`;
  return answer ? `should answer ${who} ${answer}` : `should allow ${who}`;
}

function describeAnswer(res: ApiResponse<unknown>): string {
  return `${res.status} ${JSON.stringify(res.body)}`;
}

type Account = Awaited<ReturnType<ApiClient['newUser']>>;

/** The people of the matrix: one account per actor, and the founder of teams made for one call. */
interface Cast {
  accounts: Map<Actor, Account>;
  founder: Account;
}

/**
 * One account after the other: hashing a password is CPU work, and hashing many at once on a
 * busy machine only makes registrations time out.
 */
async function castOf(api: ApiClient): Promise<Cast> {
  const accounts = new Map<Actor, Account>();
  for (const actor of ACTORS) accounts.set(actor, await api.newUser(actor));
  return { accounts, founder: await api.newUser('founder') };
}

/** The matrix's team, made by the owner, with the other roles added, and what is in it. */
async function fixturesOf(
  pipeline: Pipeline,
  cast: Cast,
  servers: { target: TargetServer; receiver: TargetServer },
): Promise<Fixtures> {
  const { api } = pipeline;
  const owner = cast.accounts.get('owner')!;
  const team = await api.post<{ id: string }>(
    '/api/v1/teams',
    { name: 'Access matrix' },
    owner.accessToken,
  );
  assert.equal(team.status, 201, describeAnswer(team));
  const teamId = team.body.id;
  for (const role of TEAM_ROLES)
    if (role !== 'owner')
      await joinTeam(api, owner.accessToken, teamId, cast.accounts.get(role)!, role);

  const asOwner = async <T>(method: string, path: string, body?: unknown) => {
    const res = await api.request<T>(method, path, {
      token: owner.accessToken,
      body,
      headers: { 'x-team-id': teamId },
    });
    assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: ${describeAnswer(res)}`);
    return res.body;
  };
  const monitorBody = () => ({
    name: `matrix ${randomUUID().slice(0, 6)}`,
    url: servers.target.url(randomUUID()),
    intervalSeconds: 60,
  });
  const webhookBody = () => ({
    name: `hook ${randomUUID().slice(0, 6)}`,
    type: 'webhook',
    config: { url: servers.receiver.url('hook'), secret: randomUUID() },
  });
  const newMonitor = async () =>
    (await asOwner<{ id: string }>('POST', '/api/v1/monitors', monitorBody())).id;
  const newChannel = async () =>
    (await asOwner<{ id: string }>('POST', '/api/v1/channels', webhookBody())).id;
  const newMember = async () => {
    const member = await api.newUser('member');
    await joinTeam(api, owner.accessToken, teamId, member, 'viewer');
    return member.id;
  };
  const keys = new Map<TeamRole, string>();
  for (const role of TEAM_ROLES) {
    const created = await asOwner<{ key: string }>('POST', '/api/v1/api-keys', {
      name: `matrix ${role}`,
      role,
    });
    keys.set(role, created.key);
  }
  const monitorId = await newMonitor();
  const newMaintenanceWindow = async () =>
    (
      await asOwner<{ id: string }>('POST', '/api/v1/maintenance-windows', {
        name: `window ${randomUUID().slice(0, 6)}`,
        monitorIds: [monitorId],
        startsAt: '2030-01-01T00:00:00Z',
        endsAt: '2030-01-01T01:00:00Z',
      })
    ).id;
  const newStatusPage = async () =>
    (
      await asOwner<{ id: string }>('POST', '/api/v1/status-pages', {
        slug: slug(),
        title: 'Matrix',
        monitorIds: [monitorId],
      })
    ).id;
  return {
    teamId,
    keys,
    monitorId,
    statusPageId: await newStatusPage(),
    newStatusPage,
    maintenanceWindowId: await newMaintenanceWindow(),
    newMaintenanceWindow,
    channelId: await newChannel(),
    memberId: await newMember(),
    newMonitor,
    newChannel,
    newChannelWithAlert: async () => {
      const channelId = await newChannel();
      const alert = await asOwner<{ id: string }>('POST', `/api/v1/channels/${channelId}/test`);
      return { channelId, alertId: alert.id };
    },
    newMember,
    newInvitation: async () =>
      (
        await asOwner<{ id: string }>('POST', `/api/v1/teams/${teamId}/invitations`, {
          email: `invitee-${randomUUID()}@example.test`,
          role: 'viewer',
        })
      ).id,
    invitationFor: async (actor) => {
      const fresh = await api.post<{ id: string }>(
        '/api/v1/teams',
        { name: `inviting ${randomUUID().slice(0, 6)}` },
        cast.founder.accessToken,
      );
      assert.equal(fresh.status, 201, describeAnswer(fresh));
      const invited = await api.post<{ acceptUrl: string }>(
        `/api/v1/teams/${fresh.body.id}/invitations`,
        { email: cast.accounts.get(actor)!.email, role: 'viewer' },
        cast.founder.accessToken,
      );
      assert.equal(invited.status, 201, describeAnswer(invited));
      return tokenOf(invited.body.acceptUrl);
    },
    newApiKey: async () =>
      (
        await asOwner<{ id: string }>('POST', '/api/v1/api-keys', {
          name: `key ${randomUUID().slice(0, 6)}`,
          role: 'viewer',
        })
      ).id,
    teamOf: async (actor) => {
      const fresh = await api.post<{ id: string }>(
        '/api/v1/teams',
        { name: `victim ${randomUUID().slice(0, 6)}` },
        cast.founder.accessToken,
      );
      assert.equal(fresh.status, 201, describeAnswer(fresh));
      if (actor !== 'outsider')
        await joinTeam(
          api,
          cast.founder.accessToken,
          fresh.body.id,
          cast.accounts.get(actor)!,
          actor,
        );
      return fresh.body.id;
    },
    monitorBody,
    webhookBody,
  };
}

/**
 * Every role against every route, over HTTP: what each role of a team may do there, and that a
 * weaker role is refused with 403 and an account outside the team with 404, as for an unknown id.
 */
describe('access matrix', () => {
  const pipeline = new Pipeline();
  let target: TargetServer;
  let receiver: TargetServer;
  let cast: Cast;
  let f: Fixtures;
  let operatorGateway: RunningService;

  before(async () => {
    target = await TargetServer.start();
    receiver = await TargetServer.start();
    // A prober answers the on-demand check; no scheduler, so nothing else is checked.
    await pipeline.start({ probers: 1, schedulers: 0 });
    cast = await castOf(pipeline.api);
    f = await fixturesOf(pipeline, cast, { target, receiver });
    // The rows call a second gateway that names the matrix's team as the operators' (its id is
    // known only now); the fixtures keep the first.
    operatorGateway = await startGateway(
      gatewayConfig({ defaultRegions: [pipeline.region], operatorTeamId: f.teamId }),
    );
    pipeline.api = new ApiClient(operatorGateway.url!.replace('[::1]', '127.0.0.1'));
  });

  after(async () => {
    await operatorGateway?.close();
    await pipeline.stop();
    await target?.close();
    await receiver?.close();
  });

  for (const row of ROUTES) {
    describe(row.route, { concurrency: !row.serial }, () => {
      for (const actor of ACTORS) {
        const expected = expectedOf(row, actor);
        const answer = row.answers?.[actor];
        it(titleOf(actor, expected, answer), async () => {
          const parts = (await row.request?.(f, actor)) ?? {};
          const method = row.route.slice(0, row.route.indexOf(' '));
          const res = await pipeline.api.request<{ type?: string }>(
            method,
            pathOf(row.route, parts),
            {
              token: cast.accounts.get(actor)!.accessToken,
              body: parts.body,
              headers: { 'x-team-id': f.teamId },
            },
          );
          if (expected !== 'allowed') {
            assert.equal(res.status, expected, describeAnswer(res));
            // A refusal by role, not a domain 403 such as an exceeded quota.
            if (expected === 403) assert.equal(res.body.type, '/problems/forbidden');
          } else if (answer) {
            assert.equal(res.status, answer, describeAnswer(res));
          } else {
            assert.ok(res.status >= 200 && res.status < 300, describeAnswer(res));
          }
        });
      }
      // The same route called with an API key of each role, in the team.
      for (const role of TEAM_ROLES) {
        const expected = keyExpectationOf(row, role);
        it(`${expected === 'allowed' ? 'should allow' : 'should refuse with 403'} an API key of role ${role}`, async () => {
          // The guard refuses before anything is looked up: any well-formed ids will do.
          const parts =
            expected === 403
              ? { params: anyIdsFor(row.route, f.teamId) }
              : ((await row.request?.(f, role)) ?? {});
          const method = row.route.slice(0, row.route.indexOf(' '));
          const res = await pipeline.api.request<{ type?: string }>(
            method,
            pathOf(row.route, parts),
            { token: f.keys.get(role)!, body: parts.body, headers: { 'x-team-id': f.teamId } },
          );
          if (expected === 403) {
            assert.equal(res.status, 403, describeAnswer(res));
            assert.equal(res.body.type, '/problems/forbidden');
          } else {
            assert.ok(res.status >= 200 && res.status < 300, describeAnswer(res));
          }
        });
      }
    });
  }

  it('should have a row for every authenticated operation of the OpenAPI document', async () => {
    const doc = await pipeline.api.get<{
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    }>('/docs/openapi.json');
    assert.equal(doc.status, 200);
    const operations = Object.entries(doc.body.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        route: `${method.toUpperCase()} ${path}`,
        authenticated: (op.security ?? []).length > 0,
      })),
    );
    const rows = new Set<string>(ROUTES.map((r) => r.route));
    const missing = operations.filter((o) => !rows.has(o.route) && !PUBLIC.has(o.route));
    assert.deepEqual(
      missing.map((o) => o.route),
      [],
      'operations without a row (add one to ROUTES, or to PUBLIC if anyone may call it)',
    );
    const documented = new Set(operations.map((o) => o.route));
    const unknown = [...rows, ...PUBLIC].filter((route) => !documented.has(route));
    assert.deepEqual(unknown, [], 'rows naming no operation of the document');
    const misfiled = operations
      .filter((o) => o.authenticated === PUBLIC.has(o.route))
      .map((o) => `${o.route} (${o.authenticated ? 'needs a token' : 'public'})`);
    assert.deepEqual(misfiled, [], 'operations whose security differs from their table');
  });
});
