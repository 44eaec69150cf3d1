import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ApiClient } from '../support/api-client';
import { type MailServer, startMailServer } from '../support/mail-server';
import { Pipeline } from '../support/pipeline';
import { joinTeam, tokenOf } from '../support/teams';
import { query } from '../support/test-database';

type Account = Awaited<ReturnType<ApiClient['newUser']>>;

interface Created {
  id: string;
  teamId: string;
  email: string;
  role: string;
  invitedBy: string | null;
  expiresAt: string;
  acceptUrl: string;
  emailSent: boolean;
}

interface Problem {
  type: string;
  detail: string;
  errors?: { field: string }[];
}

const PUBLIC_URL = 'https://uptime.example.test';
const DAY_MS = 86_400_000;

const emailOf = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
const acceptPath = (token: string) => `/api/v1/invitations/${encodeURIComponent(token)}/accept`;

/**
 * Invitations over HTTP, with the notifier emailing them to a real SMTP server on loopback:
 * who may invite whom, the link, accepting it signed in or with a new account, once.
 */
describe('invitations', () => {
  const pipeline = new Pipeline();
  let mail: MailServer;
  let api: ApiClient;
  let owner: Account;

  before(async () => {
    mail = await startMailServer();
    pipeline.notifierOverrides = {
      smtpUrl: `smtp://127.0.0.1:${mail.port}`,
      mailFrom: 'Uptime <invitations@uptime.test>',
    };
    pipeline.gatewayOverrides = { publicUrl: PUBLIC_URL };
    await pipeline.start({ probers: 0, schedulers: 0 });
    api = pipeline.api;
    owner = await api.newUser('owner');
  });
  after(async () => {
    await pipeline.stop();
    await mail?.close();
  });

  const newTeam = async (name = `team ${randomUUID().slice(0, 6)}`) => {
    const res = await api.post<{ id: string }>('/api/v1/teams', { name }, owner.accessToken);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };

  const invite = (teamId: string, email: string, role: string, token = owner.accessToken) =>
    api.post<Created & Problem>(`/api/v1/teams/${teamId}/invitations`, { email, role }, token);

  const invited = async (teamId: string, email: string, role: string) => {
    const res = await invite(teamId, email, role);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { ...res.body, token: tokenOf(res.body.acceptUrl) };
  };

  const accept = (token: string, accessToken?: string, body?: unknown) =>
    api.post<Problem & { teamId: string; role: string; user: { id: string; email: string } }>(
      acceptPath(token),
      body,
      accessToken,
    );

  it('should email a one-time link, and let the invited account join with the role', async () => {
    const teamId = await newTeam('Payments <core>');
    const invitee = await api.newUser('invitee');
    const sentBefore = mail.messages.length;
    const res = await invite(teamId, invitee.email.toUpperCase(), 'editor');
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.email, invitee.email, 'stored lower-cased, as accounts are');
    assert.equal(res.body.role, 'editor');
    assert.equal(res.body.invitedBy, owner.id);
    assert.equal(res.body.emailSent, true);
    assert.ok(res.body.acceptUrl.startsWith(`${PUBLIC_URL}/invitations/`), res.body.acceptUrl);
    const week = Date.parse(res.body.expiresAt) - Date.now();
    assert.ok(week > 7 * DAY_MS - 60_000 && week <= 7 * DAY_MS, res.body.expiresAt);

    assert.equal(mail.messages.length, sentBefore + 1);
    const email = await mail.messages[sentBefore]!;
    assert.equal(email.subject, 'You are invited to join Payments <core>');
    assert.equal(email.from?.text, '"Uptime" <invitations@uptime.test>');
    const to = Array.isArray(email.to) ? email.to[0] : email.to;
    assert.equal(to?.text, invitee.email);
    const link = /https:\/\/uptime\.example\.test\/invitations\/[A-Za-z0-9_-]+/.exec(
      String(email.text),
    )?.[0];
    assert.equal(link, res.body.acceptUrl, 'the email carries the link the inviter was shown');
    assert.match(String(email.text), new RegExp(`${owner.email} invited you`));
    assert.match(String(email.html), /Payments &lt;core&gt;/);
    assert.ok(String(email.html).includes(`href="${link}"`));

    const joined = await accept(tokenOf(link), invitee.accessToken);
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.deepEqual(
      { teamId: joined.body.teamId, role: joined.body.role, user: joined.body.user.id },
      { teamId, role: 'editor', user: invitee.id },
    );
    const members = await api.get<{ items: { userId: string; role: string }[] }>(
      `/api/v1/teams/${teamId}/members`,
      invitee.accessToken,
    );
    assert.equal(members.status, 200);
    assert.deepEqual(
      members.body.items.map((m) => [m.userId, m.role]),
      [
        [owner.id, 'owner'],
        [invitee.id, 'editor'],
      ],
    );
    const inTeam = { 'x-team-id': teamId };
    const monitors = await api.request('GET', '/api/v1/monitors', {
      token: invitee.accessToken,
      headers: inTeam,
    });
    assert.equal(monitors.status, 200);
    const created = await api.request<{ ownerId: string }>('POST', '/api/v1/monitors', {
      token: invitee.accessToken,
      headers: inTeam,
      body: { name: 'by invitee', url: 'https://example.com/', intervalSeconds: 60 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.ownerId, teamId);

    const again = await accept(tokenOf(link), invitee.accessToken);
    assert.equal(again.status, 404, 'a link works once');
  });

  it('should refuse an account with another email, and leave the invitation for the right one', async () => {
    const teamId = await newTeam();
    const meant = await api.newUser('meant');
    const other = await api.newUser('other');
    const { token } = await invited(teamId, meant.email, 'viewer');
    const refused = await accept(token, other.accessToken);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.detail, 'This invitation is for another email address.');
    assert.equal((await accept(token, meant.accessToken)).status, 200);
  });

  it('should answer 404 to an expired, a revoked and a made-up token', async () => {
    const teamId = await newTeam();
    const person = await api.newUser('late');
    const expired = await invited(teamId, person.email, 'viewer');
    await query(
      pipeline.db.url,
      `update registry.invitations set expires_at = now() - interval '1 minute' where id = $1`,
      [expired.id],
    );
    assert.equal((await accept(expired.token, person.accessToken)).status, 404);

    const revoked = await invited(teamId, person.email, 'viewer');
    const path = `/api/v1/teams/${teamId}/invitations/${revoked.id}`;
    assert.equal((await api.delete(path, owner.accessToken)).status, 204);
    assert.equal((await api.delete(path, owner.accessToken)).status, 404);
    assert.equal((await accept(revoked.token, person.accessToken)).status, 404);

    assert.equal((await accept('made-up-token', person.accessToken)).status, 404);
  });

  it('should let an admin invite up to admin, only an owner invite an owner, and no viewer invite', async () => {
    const teamId = await newTeam();
    const admin = await api.newUser('admin');
    const viewer = await api.newUser('viewer');
    await joinTeam(api, owner.accessToken, teamId, admin, 'admin');
    await joinTeam(api, owner.accessToken, teamId, viewer, 'viewer');

    assert.equal((await invite(teamId, emailOf('a'), 'admin', admin.accessToken)).status, 201);
    const ownerByAdmin = await invite(teamId, emailOf('o'), 'owner', admin.accessToken);
    assert.equal(ownerByAdmin.status, 403);
    assert.equal(ownerByAdmin.body.type, '/problems/forbidden');
    assert.equal((await invite(teamId, emailOf('o'), 'owner')).status, 201);
    const byViewer = await invite(teamId, emailOf('v'), 'viewer', viewer.accessToken);
    assert.equal(byViewer.status, 403);
    assert.match(byViewer.body.detail, /viewer.*admin/);
    // Listing and revoking are an admin's too.
    const list = `/api/v1/teams/${teamId}/invitations`;
    assert.equal((await api.get(list, viewer.accessToken)).status, 403);
    assert.equal((await api.get(list, admin.accessToken)).status, 200);
  });

  it('should answer 409 for an email that is already a member', async () => {
    const teamId = await newTeam();
    const conflict = await invite(teamId, owner.email, 'viewer');
    assert.equal(conflict.status, 409);
  });

  it('should list pending invitations, a new one for an email replacing the old', async () => {
    const teamId = await newTeam();
    const first = await invited(teamId, emailOf('x'), 'viewer');
    const second = await invited(teamId, emailOf('y'), 'editor');
    const replaced = await invited(teamId, first.email, 'admin');
    const list = await api.get<{ items: (Created & { token?: string })[] }>(
      `/api/v1/teams/${teamId}/invitations`,
      owner.accessToken,
    );
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((i) => [i.id, i.email, i.role]),
      [
        [second.id, second.email, 'editor'],
        [replaced.id, first.email, 'admin'],
      ],
    );
    for (const item of list.body.items) {
      assert.equal(item.token, undefined);
      assert.equal(Object.hasOwn(item, 'acceptUrl'), false, 'the link is shown once');
    }
    const page = await fetch(`${api.baseUrl}/invitations/${first.token}`);
    assert.equal(page.status, 404, "the replaced invitation's link no longer works");
  });

  it('should create the account of a new person who accepts with a password', async () => {
    const teamId = await newTeam();
    const email = emailOf('newcomer');
    const { token } = await invited(teamId, email, 'viewer');
    const badToken = await accept(token, 'not.a.jwt', { password: 'a long enough password' });
    assert.equal(badToken.status, 401, 'a bad access token is refused, never taken as nobody');
    const missing = await accept(token);
    assert.equal(missing.status, 400);
    assert.deepEqual(
      missing.body.errors?.map((e) => e.field),
      ['password'],
    );
    const res = await api.post<{
      teamId: string;
      role: string;
      user: { id: string; email: string };
      tokens: { accessToken: string; refreshToken: string; tokenType: string };
    }>(acceptPath(token), { password: 'a long enough password' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.user.email, email);
    assert.equal(res.body.teamId, teamId);
    assert.equal(res.body.tokens.tokenType, 'Bearer');
    const teams = await api.get<{ items: { id: string; role: string; personal: boolean }[] }>(
      '/api/v1/teams',
      res.body.tokens.accessToken,
    );
    assert.deepEqual(
      teams.body.items.map((t) => [t.id, t.role, t.personal]),
      [
        [res.body.user.id, 'owner', true],
        [teamId, 'viewer', false],
      ],
    );
    const login = await api.post('/api/v1/auth/login', {
      email,
      password: 'a long enough password',
    });
    assert.equal(login.status, 200);
    assert.equal((await accept(token, undefined, { password: 'another password' })).status, 404);
  });

  it('should refuse a new account for an email that has one, asking to sign in instead', async () => {
    const teamId = await newTeam();
    const existing = await api.newUser('existing');
    const { token } = await invited(teamId, existing.email, 'viewer');
    const res = await accept(token, undefined, { password: 'a long enough password' });
    assert.equal(res.status, 409);
    assert.equal((await accept(token, existing.accessToken)).status, 200);
  });

  it('should refuse a 101st pending invitation and delete spent ones when making a new one', async () => {
    const teamId = await newTeam();
    // 99 pending and one expired, written directly: making 100 over HTTP would only be slower.
    await query(
      pipeline.db.url,
      `insert into registry.invitations (id, team_id, email, role, token_hash, created_at, expires_at)
       select gen_random_uuid(), $1::uuid, 'bulk' || n || '@example.test', 'viewer', md5($1::text || n) || md5(n::text), now(),
              case when n = 0 then now() - interval '1 day' else now() + interval '7 days' end
       from generate_series(0, 99) as n`,
      [teamId],
    );
    assert.equal((await invite(teamId, emailOf('hundredth'), 'viewer')).status, 201);
    const rows = await query<{ expired: string }>(
      pipeline.db.url,
      `select count(*) filter (where expires_at <= now()) as expired from registry.invitations where team_id = $1`,
      [teamId],
    );
    assert.equal(Number(rows[0]!.expired), 0, 'the expired invitation was deleted');
    const refused = await invite(teamId, emailOf('too-many'), 'viewer');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.type, '/problems/quota-exceeded');
  });

  it('should name bad fields of an invitation', async () => {
    const teamId = await newTeam();
    const res = await api.post<Problem>(
      `/api/v1/teams/${teamId}/invitations`,
      { email: 'not-an-email', role: 'superuser', note: 'hi' },
      owner.accessToken,
    );
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors?.map((e) => e.field).sort(), ['email', 'note', 'role']);
  });

  it('should serve the link as a page: the team and role for a pending one, 404 otherwise', async () => {
    const teamId = await newTeam('Site <Reliability>');
    const email = emailOf('page');
    const { token } = await invited(teamId, email, 'editor');
    const page = await fetch(`${api.baseUrl}/invitations/${token}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'sha256-[^']+'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await page.text();
    assert.ok(html.includes('Site &lt;Reliability&gt;'), 'the team name, escaped');
    assert.ok(html.includes(email));
    assert.ok(html.includes('editor'));
    assert.ok(html.includes(`${PUBLIC_URL}/api/v1/invitations/${token}/accept`));

    const unknown = await fetch(`${api.baseUrl}/invitations/${randomUUID()}`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await unknown.text(), /not valid/);
  });
});

/**
 * `REGISTRATION=invite`: the first account registers itself and everyone else joins by an
 * invitation. No SMTP here: the inviter passes the link on. At most two teams per account.
 */
describe('REGISTRATION=invite', () => {
  const pipeline = new Pipeline();
  let api: ApiClient;

  before(async () => {
    pipeline.registryOverrides = { registration: 'invite', maxTeamsPerUser: 2 };
    await pipeline.start({ probers: 0, schedulers: 0 });
    api = pipeline.api;
  });
  after(() => pipeline.stop());

  it('should register the first account only, and let invited people create theirs', async () => {
    // Two first registrations at once: exactly one becomes the first account.
    const password = 'correct horse battery';
    const attempts = await Promise.all(
      ['first', 'rival'].map((who) =>
        api.post<Problem & { id: string; email: string }>('/api/v1/auth/register', {
          email: emailOf(who),
          password,
        }),
      ),
    );
    assert.deepEqual(attempts.map((a) => a.status).sort(), [201, 403]);
    const registered = attempts.find((a) => a.status === 201)!.body;
    const refused = attempts.find((a) => a.status === 403)!.body;
    assert.equal(refused.type, '/problems/registration-closed');
    assert.match(refused.detail, /invitation/);
    const later = await api.post('/api/v1/auth/register', { email: emailOf('later'), password });
    assert.equal(later.status, 403);
    const firstLogin = await api.post<{ accessToken: string }>('/api/v1/auth/login', {
      email: registered.email,
      password,
    });
    const first = { id: registered.id, accessToken: firstLogin.body.accessToken };

    const team = await api.post<{ id: string }>(
      '/api/v1/teams',
      { name: 'Ops' },
      first.accessToken,
    );
    const email = emailOf('invited');
    const invitation = await api.post<Created>(
      `/api/v1/teams/${team.body.id}/invitations`,
      { email, role: 'editor' },
      first.accessToken,
    );
    assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
    assert.equal(invitation.body.emailSent, false, 'no SMTP_URL: the link is passed on by hand');
    assert.ok(invitation.body.acceptUrl.startsWith('http://localhost:3000/invitations/'));

    const joined = await api.post<{ user: { id: string } }>(
      acceptPath(tokenOf(invitation.body.acceptUrl)),
      { password: 'correct horse battery' },
    );
    assert.equal(joined.status, 201, JSON.stringify(joined.body));
    const login = await api.post<{ accessToken: string }>('/api/v1/auth/login', {
      email,
      password: 'correct horse battery',
    });
    assert.equal(login.status, 200);
    const members = await api.get<{ items: { userId: string; role: string }[] }>(
      `/api/v1/teams/${team.body.id}/members`,
      login.body.accessToken,
    );
    assert.deepEqual(
      members.body.items.map((m) => [m.userId, m.role]),
      [
        [first.id, 'owner'],
        [joined.body.user.id, 'editor'],
      ],
    );

    // MAX_TEAMS_PER_USER is 2 here: the newcomer, in its personal team and Ops, can join no third.
    const third = await api.post<Created>(
      `/api/v1/teams/${first.id}/invitations`,
      { email, role: 'viewer' },
      first.accessToken,
    );
    assert.equal(third.status, 201, JSON.stringify(third.body));
    const full = await api.post<Problem>(
      acceptPath(tokenOf(third.body.acceptUrl)),
      undefined,
      login.body.accessToken,
    );
    assert.equal(full.status, 403);
    assert.equal(full.body.type, '/problems/quota-exceeded');
  });
});
