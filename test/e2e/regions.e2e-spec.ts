import {
  type CheckResult,
  checkResultSubject,
  type Monitor,
  PLATFORM_VERSION,
  type ProberPresence,
  ProberPresenceBucket,
  proberPresenceKey,
  type Region,
} from '@uptime/contracts';
import type { RunningService } from '@uptime/service-host';
import { connect, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startProber } from '../../apps/prober/src/bootstrap';
import { startScheduler } from '../../apps/scheduler/src/bootstrap';
import { AlertReceiver } from '../support/alert-receiver';
import { checkResultFixture } from '../support/factories';
import { Pipeline } from '../support/pipeline';
import { NATS_URL, proberConfig, schedulerConfig } from '../support/services';
import { waitFor } from '../support/wait-for';

/** A loopback server; `answer` decides each response from the request's User-Agent. */
class LoopbackServer {
  readonly userAgents: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(answer: (userAgent: string) => number): Promise<LoopbackServer> {
    const holder: { s?: LoopbackServer } = {};
    const server = createServer((req, res) => {
      const userAgent = req.headers['user-agent'] ?? '';
      holder.s?.userAgents.push(userAgent);
      res.writeHead(answer(userAgent), { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.s = new LoopbackServer(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`,
    );
    return holder.s;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('regions', () => {
  const suffix = Math.random().toString(36).slice(2, 7);
  const eu = `eu-${suffix}`;
  const us = `us-${suffix}`;
  const pipeline = new Pipeline();
  pipeline.gatewayOverrides = { defaultRegions: [eu, us] };
  let euProber: RunningService;
  let usProber: RunningService;
  let scheduler: RunningService;
  let euCanary: LoopbackServer;
  let usCanary: LoopbackServer;
  /** Answers 500 to the us probers only. */
  let target: LoopbackServer;
  let receiver: AlertReceiver;
  let nc: NatsConnection;
  let token: string;
  let channelId: string;

  const regions = async (): Promise<Region[]> => {
    const res = await pipeline.api.get<{ items: Region[] }>('/api/v1/regions', token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items;
  };
  const region = async (name: string) => (await regions()).find((r) => r.name === name);

  const createMonitor = async (body: Record<string, unknown>): Promise<Monitor> => {
    const res = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      { intervalSeconds: 10, ...body },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  const history = async (monitor: Monitor): Promise<CheckResult[]> => {
    const res = await pipeline.api.get<{ items: CheckResult[] }>(
      `/api/v1/monitors/${monitor.id}/checks`,
      token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items;
  };

  before(async () => {
    euCanary = await LoopbackServer.start(() => 200);
    usCanary = await LoopbackServer.start(() => 200);
    target = await LoopbackServer.start((ua) => (ua.includes(`(+region ${us})`) ? 500 : 200));
    receiver = await AlertReceiver.start();
    nc = await connect({ servers: NATS_URL });
    await pipeline.start({ probers: 0, schedulers: 0 });
    euProber = await startProber(proberConfig(eu, { canaryUrl: euCanary.url }), false);
    usProber = await startProber(proberConfig(us, { canaryUrl: usCanary.url }), false);
    scheduler = await startScheduler(schedulerConfig(eu, { defaultRegions: [eu, us] }), true);
    token = (await pipeline.api.newUser('regions')).accessToken;
    channelId = await pipeline.api.newWebhookChannel(token, 'regions hook', receiver.url);
  });
  after(async () => {
    await scheduler?.close();
    await euProber?.close();
    await usProber?.close();
    await pipeline.stop();
    await nc?.close();
    for (const server of [euCanary, usCanary, target]) await server?.close();
    await receiver?.close();
  });

  it('should list both regions healthy with one live prober each, to signed-in callers only', async () => {
    const both = await waitFor('both regions healthy', async () => {
      const items = await regions();
      const mine = items.filter((r) => r.name === eu || r.name === us);
      return mine.length === 2 && mine.every((r) => r.state === 'healthy') && mine;
    });
    assert.deepEqual(
      both.map((r) => [r.name, r.probers, r.state]),
      [
        [eu, 1, 'healthy'],
        [us, 1, 'healthy'],
      ],
    );
    for (const r of both) assert.ok(Date.now() - Date.parse(r.lastSeenAt!) < 30_000, r.name);
    const anonymous = await pipeline.api.get('/api/v1/regions');
    assert.equal(anonymous.status, 401);
  });

  it('should give a monitor created without regions the regions with live probers', async () => {
    const monitor = await createMonitor({ name: 'default regions', url: target.url });
    assert.deepEqual(monitor.regions, [eu, us]);
    const bulk = await pipeline.api.post<{ items: Monitor[] }>(
      '/api/v1/monitors/bulk',
      { monitors: [{ name: 'bulk default', url: `${target.url}?bulk` }] },
      token,
    );
    assert.equal(bulk.status, 201, JSON.stringify(bulk.body));
    assert.deepEqual(bulk.body.items[0]!.regions, [eu, us]);
    const named = await createMonitor({ name: 'named', url: `${target.url}?named`, regions: [us] });
    assert.deepEqual(named.regions, [us], 'regions named by the user are kept');
  });

  it('should send the region in the User-Agent, so a target failing for one region is down there only', async () => {
    const monitor = await createMonitor({ name: 'one region fails', url: `${target.url}?ua` });
    const checks = await waitFor(
      'a result from each region',
      async () => {
        const items = await history(monitor);
        const seen = new Set(items.map((c) => c.region));
        return seen.has(eu) && seen.has(us) && items;
      },
      30_000,
      250,
    );
    const fromUs = checks.find((c) => c.region === us)!;
    const fromEu = checks.find((c) => c.region === eu)!;
    assert.equal(fromUs.outcome, 'down');
    assert.equal(fromUs.errorKind, 'http_status');
    assert.equal(fromUs.httpStatus, 500);
    assert.equal(fromEu.outcome, 'up');
    assert.equal(fromEu.httpStatus, 200);
    assert.ok(target.userAgents.includes(`UptimeProbe/${PLATFORM_VERSION} (+region ${eu})`));
    assert.ok(target.userAgents.includes(`UptimeProbe/${PLATFORM_VERSION} (+region ${us})`));
  });

  it("should turn a region's results into prober_error while its canary fails, open no incident for them, and show the region degraded", async () => {
    const policy = { failuresToOpen: 1, windowSize: 1, successesToResolve: 1 };
    // Degraded before the monitor exists, so every result of it comes from a failing canary.
    await usCanary.close();
    const degraded = await waitFor('us degraded', async () => {
      const r = await region(us);
      return r?.state === 'degraded' && r;
    });
    assert.equal(degraded.probers, 1);
    assert.equal((await region(eu))?.state, 'healthy');
    const inUs = await createMonitor({
      name: 'us while its canary fails',
      url: `${target.url}?canary-us`,
      regions: [us],
      channelIds: [channelId],
      alertPolicy: policy,
    });

    const check = await pipeline.api.post<CheckResult>(
      `/api/v1/monitors/${inUs.id}/check`,
      undefined,
      token,
    );
    assert.equal(check.status, 200, JSON.stringify(check.body));
    assert.equal(check.body.region, us);
    assert.equal(check.body.errorKind, 'prober_error');
    assert.equal(check.body.outcome, 'down');
    // What the check saw is kept for people, and so are its assertions.
    assert.match(
      check.body.message!,
      /canary is failing.*the check saw down: status 500 does not match/,
    );
    assert.ok(check.body.assertions.some((a) => a.type === 'status' && a.actual === 500));

    // A target failing for every region, checked from eu: its incident's alert arrives after the
    // us result above was applied (the notifier follows results in stream order).
    const failing = await LoopbackServer.start(() => 500);
    try {
      const control = await createMonitor({
        name: 'control',
        url: failing.url,
        regions: [eu],
        channelIds: [channelId],
        alertPolicy: policy,
      });
      const controlCheck = await pipeline.api.post<CheckResult>(
        `/api/v1/monitors/${control.id}/check`,
        undefined,
        token,
      );
      assert.equal(controlCheck.body.errorKind, 'http_status');
      await waitFor('the control incident alert', () => receiver.of(control.id, 'down')[0], 20_000);
    } finally {
      await failing.close();
    }
    assert.deepEqual(receiver.of(inUs.id), [], 'no alert for prober_error results');
    const incidents = await pipeline.api.get<{ items: unknown[] }>(
      `/api/v1/monitors/${inUs.id}/incidents`,
      token,
    );
    assert.equal(incidents.status, 200);
    assert.deepEqual(incidents.body.items, []);
    const stats = await waitFor('the us result stored', async () => {
      const items = await history(inUs);
      if (!items.some((c) => c.errorKind === 'prober_error')) return undefined;
      const res = await pipeline.api.get<{ totalChecks: number; uptimePercent: number | null }>(
        `/api/v1/monitors/${inUs.id}/stats`,
        token,
      );
      return res.body;
    });
    assert.equal(stats.totalChecks, 0, 'prober_error results are left out of uptime');
    assert.equal(stats.uptimePercent, null);
  });

  it('should show a region down once its prober stops, and the scheduler say it publishes for a region nobody serves', async () => {
    await usProber.close();
    const down = await waitFor('us down', async () => {
      const r = await region(us);
      return r?.state === 'down' && r;
    });
    assert.equal(down.probers, 0);
    assert.ok(down.lastSeenAt, 'the last heartbeat stays known');

    const base = scheduler.url!.replace('[::1]', '127.0.0.1');
    const ready = await waitFor(
      'the scheduler not ready for us',
      async () => {
        const res = await fetch(`${base}/health/ready`);
        const body = (await res.json()) as { details?: Record<string, { message?: string }> };
        return res.status === 503 && body;
      },
      30_000,
      250,
    );
    assert.match(ready.details!.regions!.message!, new RegExp(`no live prober: ${us}`));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^uptime_scheduler_unserved_regions\{app="scheduler"\} 1$/m);
    assert.match(
      metrics,
      new RegExp(`^uptime_scheduler_region_probers\\{region="${us}",app="scheduler"\\} 0$`, 'm'),
    );
    assert.match(
      metrics,
      new RegExp(`^uptime_scheduler_region_probers\\{region="${eu}",app="scheduler"\\} 1$`, 'm'),
    );

    // The gateway falls back to the live regions for new monitors.
    const monitor = await createMonitor({ name: 'after us stopped', url: `${target.url}?after` });
    assert.deepEqual(monitor.regions, [eu]);
  });

  it('should count a prober that stopped without a word as down once its announcement is older than the TTL', async () => {
    // A prober killed mid-flight deletes nothing: its last announcement just grows old.
    const kv = await nc.jetstream().views.kv(ProberPresenceBucket.bucket);
    const now = new Date().toISOString();
    const presence: ProberPresence = {
      region: us,
      instanceId: 'killed-1',
      version: PLATFORM_VERSION,
      startedAt: now,
      canary: 'ok',
      lastSeenAt: now,
    };
    await kv.put(proberPresenceKey(us, 'killed-1'), JSON.stringify(presence));
    const started = Date.now();
    const live = await waitFor('us live again', async () => {
      const r = await region(us);
      return r?.state === 'healthy' && r;
    });
    assert.equal(live.probers, 1);
    const gone = await waitFor(
      'us down again',
      async () => {
        const r = await region(us);
        return r?.state === 'down' && r;
      },
      ProberPresenceBucket.ttlMs + 10_000,
      250,
    );
    assert.equal(gone.probers, 0);
    assert.ok(Date.now() - started >= ProberPresenceBucket.ttlMs - 1_000, 'not before the TTL');
  });
  it("should answer an on-demand check 504 after the monitor's timeout when no prober serves its region, while other results of the region flow", async () => {
    await waitFor('us down', async () => (await region(us))?.state === 'down');
    const monitor = await createMonitor({
      name: 'on demand, nobody serving',
      url: `${target.url}?unserved`,
      regions: [us],
      timeoutMs: 1000,
    });
    // Other monitors' results on the region's subject: the first of them used to end the
    // request's deadline, and the request then waited for ever.
    const others = setInterval(
      () => nc.publish(checkResultSubject(us), JSON.stringify(checkResultFixture({ region: us }))),
      100,
    );
    try {
      const res = await pipeline.api.post<{ type: string }>(
        `/api/v1/monitors/${monitor.id}/check`,
        undefined,
        token,
      );
      assert.equal(res.status, 504);
      assert.equal(res.body.type, '/problems/check-timeout');
    } finally {
      clearInterval(others);
    }
  });
});
