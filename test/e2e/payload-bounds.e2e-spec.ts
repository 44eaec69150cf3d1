import {
  MonitorEventStream,
  monitorEventSubject,
  validateMonitorCreateMany,
} from '@uptime/contracts';
import { freePort } from '@uptime/embedded';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import { ApiClient } from '../support/api-client';
import { AppProcess } from '../support/app-process';
import { JWT_SECRET, NATS_URL } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

interface Monitor {
  id: string;
  body: string | null;
  headers: Record<string, string>;
}
interface Page {
  items: Monitor[];
  nextCursor: string | null;
}
interface ProblemBody {
  status: number;
  errors?: { field: string; message: string }[];
}

/** NATS's default max_payload: one message above it used to end the process that sent it. */
const NATS_MAX_PAYLOAD = 1024 * 1024;
/** Nothing the checks here create should be checked while the test runs. */
const DAY_SECONDS = 24 * 60 * 60;

/**
 * Requests whose replies or events used to exceed one NATS message, each against the apps as
 * separate processes (a crash ends the app, not the test), each followed by proof that every app
 * still answers.
 */
describe('payload bounds', () => {
  let db: TestDatabase;
  let dataDir: string;
  let api: ApiClient;
  let token: string;
  const ports = new Map<string, number>();
  const running = new Map<string, AppProcess>();
  const url = (app: string) => `http://127.0.0.1:${ports.get(app)}`;
  let uniq = 0;
  const target = () => `https://svc-${++uniq}.example.test/health`;

  const start = async (app: string) => {
    ports.set(app, await freePort());
    const p = AppProcess.start(app, {
      NATS_URL,
      PORT: String(ports.get(app)),
      DATABASE_URL: db.url,
      JWT_SECRET,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      // The dashboard case needs more monitors than the default quota (1,000) allows one user.
      MAX_MONITORS_PER_USER: '20000',
    });
    running.set(app, p);
    await p.waitReady(url(app), 30_000);
    return p;
  };

  /** Every app started so far is still running and the API still answers a read. */
  const assertAllAnswer = async () => {
    for (const [app, p] of running) {
      assert.ok(p.alive, `${app} exited: ${p.stderr.slice(-2000)}`);
      assert.equal((await fetch(`${url(app)}/health/live`)).status, 200, `${app} live`);
    }
    const list = await api.get('/api/v1/monitors?limit=1', token);
    assert.equal(list.status, 200, JSON.stringify(list.body));
  };

  before(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'uptime-payload-'));
    await start('monitor-registry');
    await start('metrics');
    await start('gateway');
    api = new ApiClient(url('gateway'));
    token = (await api.newUser('payload')).accessToken;
  });
  after(async () => {
    for (const p of running.values()) await p.stop('SIGKILL').catch(() => undefined);
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('should refuse two monitors of ~560 KB with a 400 naming headers, then still list monitors', async () => {
    const headers = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`x-pad-${i}`, 'h'.repeat(8192)]),
    );
    for (let i = 0; i < 2; i++) {
      const res = await api.post<ProblemBody>(
        '/api/v1/monitors',
        {
          name: `huge ${i}`,
          url: target(),
          method: 'POST',
          body: 'b'.repeat(64 * 1024),
          headers,
          intervalSeconds: DAY_SECONDS,
        },
        token,
      );
      assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 500));
      assert.ok(
        res.body.errors?.some((e) => e.field === 'headers' && /bytes/.test(e.message)),
        JSON.stringify(res.body.errors),
      );
    }
    const list = await api.get<Page>('/api/v1/monitors', token);
    assert.equal(list.status, 200);
    await assertAllAnswer();
  });

  /** Each within every bound (64 KB body, 30 KB of headers); twelve together pass 1 MB. */
  const nearBound = () => ({
    name: `near the bound ${uniq}`,
    url: target(),
    method: 'POST',
    body: 'b'.repeat(64 * 1024),
    headers: Object.fromEntries(
      Array.from({ length: 15 }, (_, i) => [`x-pad-${i}`, 'h'.repeat(2000)]),
    ),
    intervalSeconds: DAY_SECONDS,
  });
  const bigIds: string[] = [];

  it('should page GET /monitors by bytes when monitors near the bound add up past one NATS message', async () => {
    for (let i = 0; i < 12; i++) {
      const res = await api.post<Monitor>('/api/v1/monitors', nearBound(), token);
      assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 500));
      bigIds.push(res.body.id);
    }
    const first = await api.get<Page>('/api/v1/monitors?limit=50', token);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.ok(first.body.items.length < 12, 'one page cannot carry all twelve');
    assert.ok(first.body.nextCursor, 'and says there is more');
    const seen = [...first.body.items];
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const next: { status: number; body: Page } = await api.get<Page>(
        `/api/v1/monitors?limit=50&cursor=${encodeURIComponent(cursor)}`,
        token,
      );
      assert.equal(next.status, 200, JSON.stringify(next.body));
      seen.push(...next.body.items);
      cursor = next.body.nextCursor;
    }
    assert.deepEqual(
      seen.map((m) => m.id),
      bigIds,
    );
    assert.ok(seen.every((m) => m.body?.length === 64 * 1024));
    await assertAllAnswer();
  });

  it('should start a scheduler while those monitors are active, its snapshot paged by bytes', async () => {
    const scheduler = await start('scheduler');
    assert.match(scheduler.stdout, /schedule loaded: 12 active monitors/);
    await assertAllAnswer();
  });

  it('should drop an event the stream refuses as too large, count it, and relay the next', async () => {
    const nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    const { config } = await jsm.streams.info(MonitorEventStream.name);
    // Monitors are bounded far below a message, so the stream is made to refuse one instead.
    await jsm.streams.update(MonitorEventStream.name, { ...config, max_msg_size: 32 * 1024 });
    try {
      const big = await api.post<Monitor>('/api/v1/monitors', nearBound(), token);
      assert.equal(big.status, 201);
      const small = await api.post<Monitor>(
        '/api/v1/monitors',
        { name: 'small', url: target(), paused: true },
        token,
      );
      assert.equal(small.status, 201);
      await waitFor("the small monitor's event in the stream", async () => {
        const last = await jsm.streams.getMessage(MonitorEventStream.name, {
          last_by_subj: monitorEventSubject('created', small.body.id),
        });
        return last.json<{ monitorId: string }>().monitorId === small.body.id;
      });
      const metrics = await fetch(`${url('monitor-registry')}/metrics`).then((r) => r.text());
      assert.match(metrics, /^uptime_registry_monitor_events_dropped_total\{[^}]*\} 1$/m);
    } finally {
      await jsm.streams.update(MonitorEventStream.name, config);
      await nc.close();
    }
    await assertAllAnswer();
  });

  it('should answer a bulk create of 1,000 monitors just under 900,000 bytes with every monitor', async () => {
    // The gateway's guard measures the monitors with their defaults filled in, as it forwards them.
    const bulkOf = (bodyBytes: number) =>
      Array.from({ length: 1000 }, (_, i) => ({
        name: `bulk ${i}`,
        url: `https://bulk-${i}.example.test/`,
        method: 'POST',
        body: 'b'.repeat(bodyBytes),
        paused: true,
      }));
    const forwarded = (monitors: unknown[]) => {
      const validated = validateMonitorCreateMany({ monitors });
      assert.ok(validated.ok);
      return Buffer.byteLength(JSON.stringify(validated.value));
    };
    const monitors = bulkOf(Math.floor((899_000 - forwarded(bulkOf(0))) / 1000));
    const bytes = forwarded(monitors);
    assert.ok(bytes > 890_000 && bytes < 900_000, `the guard sees ${bytes} bytes`);

    const res = await api.request<{ items: Monitor[] }>('POST', '/api/v1/monitors/bulk', {
      body: { monitors },
      token,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 500));
    assert.equal(res.body.items.length, 1000);
    assert.ok(Buffer.byteLength(JSON.stringify(res.body)) > NATS_MAX_PAYLOAD);
    assert.ok(res.body.items.every((m, i) => m.body === monitors[i]?.body));
    assert.equal(new Set(res.body.items.map((m) => m.id)).size, 1000);
    for (const created of [res.body.items[0]!, res.body.items[999]!]) {
      const stored = await api.get<Monitor>(`/api/v1/monitors/${created.id}`, token);
      assert.deepEqual(
        stored.body,
        { ...created, nextMaintenance: null },
        'the answer is what the registry stored',
      );
    }
    await assertAllAnswer();
  });

  it('should refuse a response-time series of more points than one answer carries, naming bucket', async () => {
    const from = encodeURIComponent(new Date(Date.now() - 31 * DAY_SECONDS * 1000).toISOString());
    const path = `/api/v1/monitors/${bigIds[0]}/response-times?from=${from}`;
    const minutes = await api.get<ProblemBody>(`${path}&bucket=1m`, token);
    assert.equal(minutes.status, 400, JSON.stringify(minutes.body));
    assert.ok(
      minutes.body.errors?.some((e) => e.field === 'bucket' && /44\d\d\d points/.test(e.message)),
      JSON.stringify(minutes.body.errors),
    );
    assert.equal((await api.get(`${path}&bucket=1h`, token)).status, 200);
    await assertAllAnswer();
  });

  it('should show a dashboard of 9,600 and then 10,001 monitors, every one of them', async () => {
    const owner = await api.newUser('dashboard');
    const created: string[] = [];
    const createUpTo = async (total: number) => {
      while (created.length < total) {
        const n = Math.min(1000, total - created.length);
        const monitors = Array.from({ length: n }, (_, i) => ({
          name: `dash ${created.length + i}`,
          url: target(),
          paused: true,
        }));
        const res = await api.request<{ items: Monitor[] }>('POST', '/api/v1/monitors/bulk', {
          body: { monitors },
          token: owner.accessToken,
        });
        assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 500));
        created.push(...res.body.items.map((m) => m.id));
      }
    };
    for (const total of [9600, 10_001]) {
      await createUpTo(total);
      const res = await api.get<{ items: { id: string; status: string }[] } & ProblemBody>(
        '/api/v1/dashboard',
        owner.accessToken,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
      assert.equal(res.body.items.length, total);
      assert.deepEqual(new Set(res.body.items.map((m) => m.id)), new Set(created));
      assert.ok(res.body.items.every((m) => m.status === 'paused'));
      await assertAllAnswer();
    }
  });
});
