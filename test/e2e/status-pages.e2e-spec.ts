import {
  type Monitor,
  type PublicStatusPage,
  RegistryNotices,
  type StatusPage,
} from '@uptime/contracts';
import { connect } from 'nats';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { TargetServer } from '../support/target-server';
import { waitForFirstResults } from '../support/first-results';

interface Problem {
  errors?: { field: string; message: string }[];
}

const INTERVAL_S = 10;
const WAIT_MS = 3 * INTERVAL_S * 1000 + 8000;
const TITLE = 'Acme <script>alert(1)</script> & Co';

describe('status pages and badges', () => {
  const pipeline = new Pipeline();
  let target: TargetServer;
  let token: string;
  let outsider: string;
  let healthy: Monitor;
  let broken: Monitor;
  let page: StatusPage;
  const slug = `acme-${Date.now().toString(36)}`;

  const newMonitor = async (name: string, path: string): Promise<Monitor> => {
    const res = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      {
        name,
        url: target.url(path),
        intervalSeconds: INTERVAL_S,
        timeoutMs: 2000,
        regions: [pipeline.region],
      },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const publicJson = () =>
    pipeline.api.get<PublicStatusPage & Problem>(`/api/v1/public/status-pages/${slug}`);
  const publicHtml = () => pipeline.api.text('GET', `/status/${slug}`);

  before(async () => {
    target = await TargetServer.start();
    target.set('login', 'fail');
    await pipeline.start({ probers: 1, schedulers: 1 });
    token = (await pipeline.api.newUser('status')).accessToken;
    outsider = (await pipeline.api.newUser('status-outsider')).accessToken;
    healthy = await newMonitor('Website', 'home');
    broken = await newMonitor('Login <API>', 'login');
    await waitForFirstResults(
      pipeline.api,
      token,
      { broken: broken.id, healthy: healthy.id },
      WAIT_MS,
    );
  });
  after(async () => {
    await pipeline.stop();
    await target.close();
  });

  it('should refuse bad pages with problems naming the field', async () => {
    const foreign = await pipeline.api.post<{ id: string }>(
      '/api/v1/monitors',
      {
        name: 'theirs',
        url: target.url('theirs'),
        intervalSeconds: 60,
        regions: [pipeline.region],
      },
      outsider,
    );
    assert.equal(foreign.status, 201);
    const cases: [Record<string, unknown>, string][] = [
      [{ slug: 'No Caps', title: 'x', monitorIds: [] }, 'slug'],
      [{ slug: '-edge', title: 'x', monitorIds: [] }, 'slug'],
      [{ slug: 'ok-slug', title: '', monitorIds: [] }, 'title'],
      [{ slug: 'ok-slug', title: 'x', monitorIds: [foreign.body.id] }, 'monitorIds[0]'],
      [{ slug: 'ok-slug', title: 'x', monitorIds: ['nope'] }, 'monitorIds[0]'],
      [{ slug: 'ok-slug', title: 'x', monitorIds: [healthy.id, healthy.id] }, 'monitorIds[1]'],
      [{ slug: 'ok-slug', title: 'x', monitorIds: [], public: 'yes' }, 'public'],
      [{ slug: 'ok-slug', title: 'x', monitorIds: [], theme: 'dark' }, 'theme'],
    ];
    // The list is never paged: a `limit` is refused rather than ignored.
    const paged = await pipeline.api.get<Problem>('/api/v1/status-pages?limit=5', token);
    assert.equal(paged.status, 400);
    assert.equal(paged.body.errors?.[0]?.field, 'limit');
    for (const [body, field] of cases) {
      const res = await pipeline.api.post<Problem>('/api/v1/status-pages', body, token);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.ok(
        res.body.errors?.some((e) => e.field === field),
        `${field}: ${JSON.stringify(res.body)}`,
      );
    }
  });

  it('should create a private page that nobody outside the team can see', async () => {
    const res = await pipeline.api.post<StatusPage>(
      '/api/v1/status-pages',
      { slug, title: TITLE, description: 'Our services', monitorIds: [healthy.id, broken.id] },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    page = res.body;
    assert.equal(page.public, false);
    assert.deepEqual(page.monitorIds, [healthy.id, broken.id]);

    const taken = await pipeline.api.post<Problem>(
      '/api/v1/status-pages',
      { slug, title: 'copycat', monitorIds: [] },
      outsider,
    );
    assert.equal(taken.status, 400);
    assert.equal(taken.body.errors?.[0]?.field, 'slug');

    assert.equal((await pipeline.api.get(`/api/v1/status-pages/${page.id}`, outsider)).status, 404);
    assert.equal((await publicJson()).status, 404);
    const html = await publicHtml();
    assert.equal(html.status, 404);
    assert.doesNotMatch(html.text, /Acme|Website/);
    for (const badge of ['status.svg', 'uptime.svg', 'response-time.svg']) {
      assert.equal(
        (await pipeline.api.text('GET', `/badges/${healthy.id}/${badge}`)).status,
        404,
        badge,
      );
    }
    assert.equal((await pipeline.api.get('/api/v1/public/status-pages/no-such-page')).status, 404);
    assert.equal((await pipeline.api.text('GET', '/status/no-such-page')).status, 404);
  });

  it('should show a public page as JSON: overall status, each monitor with 90 daily values, incidents without causes', async () => {
    const patched = await pipeline.api.patch<StatusPage>(
      `/api/v1/status-pages/${page.id}`,
      { public: true },
      token,
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const res = await publicJson();
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.headers.get('cache-control') ?? '', /public, max-age=30/);
    const body = res.body;
    assert.equal(body.title, TITLE);
    assert.equal(body.status, 'partial_outage');
    assert.deepEqual(
      body.monitors.map((m) => [m.id, m.name, m.status]),
      [
        [healthy.id, 'Website', 'up'],
        [broken.id, 'Login <API>', 'down'],
      ],
    );
    for (const monitor of body.monitors) {
      assert.equal(monitor.uptimeDays.length, 90);
      assert.ok(
        monitor.uptimeDays.slice(0, 80).every((v) => v === null),
        'no data before the monitor existed',
      );
    }
    assert.equal(body.monitors[0].uptimeDays[89], 100);
    assert.equal(body.monitors[1].uptimeDays[89], 0);
    const [incident] = body.incidents;
    assert.equal(body.incidents.length, 1);
    assert.equal(incident.monitorId, broken.id);
    assert.equal(incident.monitorName, 'Login <API>');
    assert.equal(incident.state, 'open');
    assert.equal('cause' in incident, false);
    assert.doesNotMatch(JSON.stringify(body), /127\.0\.0\.1|ownerId/);
  });

  it('should serve the page as HTML without script, escaped, small and cacheable', async () => {
    const res = await publicHtml();
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('cache-control') ?? '', /public, max-age=30/);
    assert.doesNotMatch(res.text, /<script/i);
    assert.match(res.text, /Acme &#60;script&#62;alert\(1\)&#60;\/script&#62; &#38; Co/);
    assert.match(res.text, /Login &#60;API&#62;/);
    assert.match(res.text, /Partial outage/);
    assert.match(res.text, /Ongoing incidents/);
    assert.ok(Buffer.byteLength(res.text) < 100_000, `${Buffer.byteLength(res.text)} bytes`);
    assert.doesNotMatch(res.text, /127\.0\.0\.1/);
    // Gzipped for a client that takes it (a browser), the same page as for one that does not.
    const url = `${pipeline.api.baseUrl}/status/${slug}`;
    for (const encoding of ['gzip', 'identity']) {
      const got = await fetch(url, { headers: { 'accept-encoding': encoding } });
      assert.equal(got.headers.get('content-encoding'), encoding === 'gzip' ? 'gzip' : null);
      assert.match(got.headers.get('vary') ?? '', /Accept-Encoding/i);
      assert.equal(await got.text(), res.text, encoding);
    }
  });

  it('should answer a revisit of an unchanged page with 304, each representation by its own ETag', async () => {
    const url = `${pipeline.api.baseUrl}/status/${slug}`;
    const jsonUrl = `${pipeline.api.baseUrl}/api/v1/public/status-pages/${slug}`;
    const etags = new Set<string>();
    for (const [target, encoding] of [
      [url, 'gzip'],
      [url, 'identity'],
      [jsonUrl, 'identity'],
    ] as const) {
      // undici's request, not fetch: fetch adds `Cache-Control: no-cache` to a conditional
      // request, which rightly gets the whole page.
      const visit = async (ifNoneMatch?: string) => {
        const res = await request(target, {
          headers: {
            'accept-encoding': encoding,
            ...(ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {}),
          },
        });
        const body = await res.body.arrayBuffer();
        return { status: res.statusCode, headers: res.headers, bytes: body.byteLength };
      };
      const first = await visit();
      let etag = String(first.headers.etag);
      assert.match(etag, /^"[A-Za-z0-9_-]+"$/, `${target} ${encoding}`);
      // A page rebuilt in between (from 20 s on, in the background) is new bytes with a new
      // ETag: a 200 then, and the revisit after it is 304.
      let again = await visit(etag);
      for (let tries = 0; tries < 2 && again.status !== 304; tries++) {
        assert.equal(again.status, 200, `${target} ${encoding}`);
        assert.notEqual(again.headers.etag, etag, 'a 200 only for other bytes');
        etag = String(again.headers.etag);
        again = await visit(etag);
      }
      assert.equal(again.status, 304, `${target} ${encoding}`);
      assert.equal(again.bytes, 0);
      assert.match(String(again.headers['cache-control']), /public, max-age=30/);
      etags.add(etag);
    }
    // The gzipped and the plain page are different bytes: a cache must not swap them.
    assert.equal(etags.size, 3);
  });

  it('should draw badges for monitors on a public page, and refuse a bad window', async () => {
    const status = await pipeline.api.text('GET', `/badges/${broken.id}/status.svg`);
    assert.equal(status.status, 200);
    assert.match(status.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.match(status.headers.get('cache-control') ?? '', /max-age=60/);
    assert.match(status.text, /<svg[^>]*aria-label="status: down"/);
    const up = await pipeline.api.text('GET', `/badges/${healthy.id}/status.svg`);
    assert.match(up.text, /aria-label="status: up"/);
    const uptime = await pipeline.api.text('GET', `/badges/${healthy.id}/uptime.svg?window=7d`);
    assert.equal(uptime.status, 200);
    assert.match(uptime.text, /aria-label="uptime 7d: 100.00%"/);
    const latency = await pipeline.api.text('GET', `/badges/${healthy.id}/response-time.svg`);
    assert.match(latency.text, /aria-label="response time: \d+ ms"/);
    const bad = await pipeline.api.get<Problem>(`/badges/${healthy.id}/uptime.svg?window=1y`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors?.[0]?.field, 'window');
    // A window on a badge that has none is refused, not silently drawn over 24 h.
    for (const badge of ['status.svg', 'response-time.svg']) {
      const unknown = await pipeline.api.get<Problem>(`/badges/${healthy.id}/${badge}?window=7d`);
      assert.equal(unknown.status, 400, badge);
      assert.equal(unknown.body.errors?.[0]?.field, 'window', badge);
    }
    assert.equal(
      (await pipeline.api.text('GET', '/badges/00000000-0000-4000-8000-000000000000/status.svg'))
        .status,
      404,
    );
  });

  it('should show a page at once that a visitor asked for before it existed, also under a new slug, and tell every gateway', async () => {
    const early = `early-${Date.now().toString(36)}`;
    const renamed = `${early}-renamed`;
    // What other gateway replicas hear: each committed change names the slugs to forget.
    const nc = await connect({ servers: NATS_URL });
    const notices: { slugs: string[] }[] = [];
    nc.subscribe(RegistryNotices.statusPageChanged, {
      callback: (_, m) => notices.push(JSON.parse(m.string()) as { slugs: string[] }),
    });
    await nc.flush();
    // Asked for first: kept as not found for up to 30 s, unless a change forgets it.
    for (const s of [early, renamed])
      assert.equal((await pipeline.api.text('GET', `/status/${s}`)).status, 404);
    const created = await pipeline.api.post<StatusPage>(
      '/api/v1/status-pages',
      { slug: early, title: 'Early', monitorIds: [], public: true },
      token,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await pipeline.api.text('GET', `/status/${early}`)).status, 200);
    const moved = await pipeline.api.patch(
      `/api/v1/status-pages/${created.body.id}`,
      { slug: renamed },
      token,
    );
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal((await pipeline.api.text('GET', `/status/${renamed}`)).status, 200);
    assert.equal((await pipeline.api.text('GET', `/status/${early}`)).status, 404);
    const gone = await pipeline.api.delete(`/api/v1/status-pages/${created.body.id}`, token);
    assert.equal(gone.status, 204);
    assert.equal((await pipeline.api.text('GET', `/status/${renamed}`)).status, 404);
    await nc.flush();
    await nc.close();
    // Sent before each answer (the registry flushes first).
    const ours = notices.filter((n) => n.slugs.some((s) => s === early || s === renamed));
    assert.deepEqual(ours, [{ slugs: [early] }, { slugs: [early, renamed] }, { slugs: [renamed] }]);
  });

  it('should hide the page again at once when it is made private, and forget it when deleted', async () => {
    const hidden = await pipeline.api.patch(
      `/api/v1/status-pages/${page.id}`,
      { public: false },
      token,
    );
    assert.equal(hidden.status, 200);
    assert.equal((await publicJson()).status, 404);
    assert.equal((await publicHtml()).status, 404);
    const listed = await pipeline.api.get<{ items: StatusPage[] }>('/api/v1/status-pages', token);
    assert.deepEqual(
      listed.body.items.map((p) => p.id),
      [page.id],
    );
    assert.equal(
      (await pipeline.api.delete(`/api/v1/status-pages/${page.id}`, outsider)).status,
      404,
    );
    assert.equal((await pipeline.api.delete(`/api/v1/status-pages/${page.id}`, token)).status, 204);
    assert.equal((await pipeline.api.get(`/api/v1/status-pages/${page.id}`, token)).status, 404);
  });

  it("should forget a team's public page at once when the team is deleted", async () => {
    const team = await pipeline.api.post<{ id: string }>('/api/v1/teams', { name: 'Ops' }, token);
    assert.equal(team.status, 201, JSON.stringify(team.body));
    const inTeam = { token, headers: { 'x-team-id': team.body.id } };
    const monitor = await pipeline.api.request<Monitor>('POST', '/api/v1/monitors', {
      ...inTeam,
      body: { name: 'Ops site', url: target.url('ops'), intervalSeconds: 3600 },
    });
    assert.equal(monitor.status, 201, JSON.stringify(monitor.body));
    const teamSlug = `ops-${Date.now().toString(36)}`;
    const created = await pipeline.api.request<StatusPage>('POST', '/api/v1/status-pages', {
      ...inTeam,
      body: { slug: teamSlug, title: 'Ops', monitorIds: [monitor.body.id], public: true },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // Seen once, so the gateway keeps the built page.
    assert.equal((await pipeline.api.text('GET', `/status/${teamSlug}`)).status, 200);
    assert.equal((await pipeline.api.delete(`/api/v1/teams/${team.body.id}`, token)).status, 204);
    assert.equal((await pipeline.api.text('GET', `/status/${teamSlug}`)).status, 404);
    const json = await pipeline.api.get(`/api/v1/public/status-pages/${teamSlug}`);
    assert.equal(json.status, 404);
  });
});
