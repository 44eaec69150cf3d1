import type { Monitor, MonitorStats } from '@uptime/contracts';
import type { RunningService } from '@uptime/service-host';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type AlertPayload, AlertReceiver } from '../support/alert-receiver';
import { Pipeline } from '../support/pipeline';
import { notifierConfig, proberConfig, schedulerConfig } from '../support/services';
import { startNotifier } from '../../apps/notifier/src/bootstrap';
import { startProber } from '../../apps/prober/src/bootstrap';
import { startScheduler } from '../../apps/scheduler/src/bootstrap';
import { waitFor } from '../support/wait-for';

interface Delivery extends AlertPayload {
  incident: {
    id: string;
    kind?: string;
    cause: {
      regions?: { region: string; outcome: string; errorKind: string | null }[];
      quorum?: number;
      message?: string;
    } | null;
  } | null;
}

interface IncidentView {
  id: string;
  kind: string;
  state: string;
}

/**
 * Two regions in one platform: a prober per region, each naming its region in its User-Agent,
 * and a loopback target that fails the requests of one region (its "network is cut") or of both.
 * Two notifier replicas share the results, so every "exactly one" below holds across replicas.
 */
describe('region quorum', () => {
  const pipeline = new Pipeline();
  const eu = `${pipeline.region}-eu`;
  const us = `${pipeline.region}-us`;
  const gone = `${pipeline.region}-gone`;
  let first: AlertReceiver<Delivery>;
  let second: AlertReceiver<Delivery>;
  let target: Server;
  let targetUrl: string;
  /** Paths whose every region fails; the rest fail for `us` only when under /us-down/. */
  const failingEverywhere = new Set<string>();
  let token: string;
  let channelIds: string[];
  /** A second notifier: results of one slot split between replicas, and two slot clocks run. */
  let replica: RunningService | undefined;

  before(async () => {
    pipeline.gatewayOverrides = { defaultRegions: [eu, us, gone] };
    pipeline.notifierOverrides = { defaultRegions: [eu, us, gone] };
    await pipeline.start({ probers: 0, schedulers: 0 });
    replica = await startNotifier(
      notifierConfig(pipeline.db.url, pipeline.notifierOverrides),
      false,
    );
    for (const region of [eu, us]) {
      pipeline.probers.push(await startProber(proberConfig(region, { concurrency: 20 }), false));
    }
    // The scheduler publishes every region a monitor names; it takes its name from one of them.
    pipeline.schedulers.push(
      await startScheduler(schedulerConfig(eu, { defaultRegions: [eu, us] }), false),
    );
    target = createServer((req, res) => {
      const agent = req.headers['user-agent'] ?? '';
      const path = req.url ?? '/';
      const cut = path.startsWith('/us-down/') && agent.includes(`(+region ${us})`);
      res.writeHead(cut || failingEverywhere.has(path) ? 503 : 200).end('ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    first = await AlertReceiver.start<Delivery>();
    second = await AlertReceiver.start<Delivery>();
    token = (await pipeline.api.newUser('quorum')).accessToken;
    channelIds = [];
    for (const [name, receiver] of [
      ['first hook', first],
      ['second hook', second],
    ] as const) {
      const channel = await pipeline.api.post<{ id: string }>(
        '/api/v1/channels',
        { name, type: 'webhook', config: { url: receiver.url, secret: 'a-webhook-secret-long' } },
        token,
      );
      assert.equal(channel.status, 201, JSON.stringify(channel.body));
      channelIds.push(channel.body.id);
    }
  });

  after(async () => {
    await replica?.close();
    await pipeline.stop();
    await first?.close();
    await second?.close();
    await new Promise((resolve) => target?.close(resolve));
  });

  async function createMonitor(
    path: string,
    alertPolicy: Record<string, unknown>,
    regions = [eu, us],
  ): Promise<Monitor> {
    const created = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      {
        name: path,
        url: `${targetUrl}${path}`,
        intervalSeconds: 10,
        timeoutMs: 2000,
        regions,
        channelIds,
        alertPolicy,
      },
      token,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  }

  const monitorOf = async (id: string) =>
    (await pipeline.api.get<Monitor>(`/api/v1/monitors/${id}`, token)).body;

  const statsOf = async (id: string, region?: string) => {
    const query = region === undefined ? '' : `&region=${region}`;
    const res = await pipeline.api.get<MonitorStats>(
      `/api/v1/monitors/${id}/stats?window=1h${query}`,
      token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  const incidentsOf = async (id: string) => {
    const res = await pipeline.api.get<{ items: IncidentView[] }>(
      `/api/v1/monitors/${id}/incidents`,
      token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items;
  };

  const alertRowsOf = async (id: string) => {
    const res = await pipeline.api.get<{ items: { kind: string; channelId: string }[] }>(
      `/api/v1/alerts?monitorId=${id}`,
      token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items;
  };

  it('should refuse a region quorum above the regions, below 1 or not whole, and a non-boolean alertOnPartial', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ regionQuorum: 3 }, 'alertPolicy.regionQuorum'],
      [{ regionQuorum: 0 }, 'alertPolicy.regionQuorum'],
      [{ regionQuorum: 1.5 }, 'alertPolicy.regionQuorum'],
      [{ regionQuorum: '2' }, 'alertPolicy.regionQuorum'],
      [{ alertOnPartial: 'yes' }, 'alertPolicy.alertOnPartial'],
    ];
    for (const [alertPolicy, field] of cases) {
      const res = await pipeline.api.post<{ errors: { field: string }[] }>(
        '/api/v1/monitors',
        { name: 'bad', url: `${targetUrl}/bad`, regions: [eu, us], alertPolicy },
        token,
      );
      assert.equal(res.status, 400, JSON.stringify(alertPolicy));
      assert.deepEqual(
        res.body.errors.map((e) => e.field),
        [field],
        JSON.stringify(res.body),
      );
    }
    // Cross-field on PATCH too: dropping to one region under a quorum of two.
    const monitor = await createMonitor('/patched', { regionQuorum: 2 });
    assert.equal(monitor.alertPolicy.regionQuorum, 2);
    assert.equal(monitor.alertPolicy.alertOnPartial, false);
    const patched = await pipeline.api.patch<{ errors: { field: string }[] }>(
      `/api/v1/monitors/${monitor.id}`,
      { regions: [eu] },
      token,
    );
    assert.equal(patched.status, 400);
    assert.deepEqual(
      patched.body.errors.map((e) => e.field),
      ['alertPolicy.regionQuorum'],
    );
    const deleted = await pipeline.api.delete(`/api/v1/monitors/${monitor.id}`, token);
    assert.equal(deleted.status, 204);
  });

  it('should show one failing region of two as partial, page nobody, and tell the regions apart in stats', async () => {
    const monitor = await createMonitor('/us-down/quiet', { regionQuorum: 2 });
    assert.equal(monitor.alertPolicy.alertOnPartial, false);
    await waitFor(
      'the partial status',
      async () => (await monitorOf(monitor.id)).status === 'partial',
      40_000,
      250,
    );
    // Two more slots of each region, still partial: any alert would be in the alerts table by
    // now, written in the transaction that decided its slot.
    const seen = (await statsOf(monitor.id, us)).totalChecks;
    await waitFor(
      'two more slots in both regions',
      async () =>
        (await statsOf(monitor.id, us)).totalChecks >= seen + 2 &&
        (await statsOf(monitor.id, eu)).totalChecks >= seen + 2,
      40_000,
      250,
    );
    assert.equal((await monitorOf(monitor.id)).status, 'partial');
    assert.deepEqual(await alertRowsOf(monitor.id), []);
    assert.deepEqual(await incidentsOf(monitor.id), []);
    assert.deepEqual(first.of(monitor.id), []);
    assert.deepEqual(second.of(monitor.id), []);

    const dashboard = await pipeline.api.get<{ items: { id: string; status: string }[] }>(
      '/api/v1/dashboard',
      token,
    );
    assert.equal(dashboard.body.items.find((m) => m.id === monitor.id)?.status, 'partial');

    const [inUs, inEu, overall] = [
      await statsOf(monitor.id, us),
      await statsOf(monitor.id, eu),
      await statsOf(monitor.id),
    ];
    assert.equal(inUs.region, us);
    assert.equal(inUs.uptimePercent, 0);
    assert.equal(inUs.failedChecks, inUs.totalChecks);
    assert.equal(inUs.currentStatus, 'down');
    assert.equal(inEu.region, eu);
    assert.equal(inEu.uptimePercent, 100);
    assert.equal(inEu.failedChecks, 0);
    assert.equal(inEu.currentStatus, 'up');
    assert.equal(overall.region, null);
    assert.ok(overall.totalChecks >= inUs.totalChecks + inEu.totalChecks);

    const nowhere = await statsOf(monitor.id, 'no-such-region');
    assert.equal(nowhere.totalChecks, 0);
    assert.equal(nowhere.uptimePercent, null);
    const bad = await pipeline.api.get<{ errors: { field: string }[] }>(
      `/api/v1/monitors/${monitor.id}/stats?region=Not_A_Region`,
      token,
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.errors.map((e) => e.field),
      ['region'],
    );
  });

  it('should open one partial incident with alertOnPartial, one alert per channel', async () => {
    const monitor = await createMonitor('/us-down/told', { regionQuorum: 2, alertOnPartial: true });
    const [alert] = await waitFor(
      'the partial alert',
      async () => {
        const alerts = first.of(monitor.id, 'partial');
        return alerts.length > 0 && second.of(monitor.id, 'partial').length > 0 && alerts;
      },
      40_000,
      250,
    );
    assert.equal(alert?.incident?.kind, 'partial');
    assert.deepEqual(alert?.incident?.cause?.regions, [
      { region: eu, outcome: 'up', errorKind: null },
      { region: us, outcome: 'down', errorKind: 'http_status' },
    ]);
    assert.equal(alert?.incident?.cause?.quorum, 2);
    assert.match(alert?.incident?.cause?.message ?? '', new RegExp(`failing in ${us} \\(1 of 2`));
    const incidents = await incidentsOf(monitor.id);
    assert.deepEqual(
      incidents.map((i) => `${i.kind}:${i.state}`),
      ['partial:open'],
    );
    const rows = await alertRowsOf(monitor.id);
    assert.deepEqual(rows.map((r) => r.kind).sort(), ['partial', 'partial']);
    assert.deepEqual(rows.map((r) => r.channelId).sort(), [...channelIds].sort());
  });

  it('should open one incident when both regions fail, alert once per channel, and resolve with one alert each', async () => {
    const path = '/both/down';
    failingEverywhere.add(path);
    const monitor = await createMonitor(path, { regionQuorum: 2 });
    const [down] = await waitFor(
      'the down alerts',
      async () => {
        const alerts = first.of(monitor.id, 'down');
        return alerts.length > 0 && second.of(monitor.id, 'down').length > 0 && alerts;
      },
      40_000,
      250,
    );
    assert.equal(down?.incident?.kind, 'down');
    assert.deepEqual(
      down?.incident?.cause?.regions?.map((r) => `${r.region}:${r.outcome}`),
      [`${eu}:down`, `${us}:down`],
    );
    assert.equal((await monitorOf(monitor.id)).status, 'down');

    failingEverywhere.delete(path);
    await waitFor(
      'the up alerts',
      async () => first.of(monitor.id, 'up').length > 0 && second.of(monitor.id, 'up').length > 0,
      40_000,
      250,
    );
    assert.deepEqual(first.kindsOf(monitor.id), ['down', 'up']);
    assert.deepEqual(second.kindsOf(monitor.id), ['down', 'up']);
    const incidents = await incidentsOf(monitor.id);
    assert.deepEqual(
      incidents.map((i) => `${i.kind}:${i.state}`),
      ['down:resolved'],
    );
    assert.equal((await monitorOf(monitor.id)).status, 'up');
  });

  it('should decide a slot at its deadline when a region never answers', async () => {
    // `gone` has no prober: every slot waits for its deadline, then counts the two that answered.
    const path = '/both/gone';
    failingEverywhere.add(path);
    const monitor = await createMonitor(path, {}, [eu, us, gone]);
    const [down] = await waitFor(
      'the down alert after the deadline',
      async () => {
        const alerts = first.of(monitor.id, 'down');
        return alerts.length > 0 && alerts;
      },
      45_000,
      250,
    );
    assert.equal(down?.incident?.cause?.quorum, 2);
    assert.deepEqual(
      down?.incident?.cause?.regions?.map((r) => r.region),
      [eu, us],
      'the region that never answered is not listed',
    );
    // Both replicas' slot clocks saw the deadline pass: still one incident, one alert a channel.
    await waitFor('the second channel', async () => second.of(monitor.id, 'down').length > 0);
    assert.deepEqual(
      (await incidentsOf(monitor.id)).map((i) => `${i.kind}:${i.state}`),
      ['down:open'],
    );
    assert.deepEqual(
      (await alertRowsOf(monitor.id)).map((r) => r.kind),
      ['down', 'down'],
    );
    failingEverywhere.delete(path);
  });
});
