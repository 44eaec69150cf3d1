import type { Monitor, RegionIncident, RegionIncidentList, RegionList } from '@uptime/contracts';
import type { RunningService } from '@uptime/service-host';
import { TELEMETRY } from '@uptime/health';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Registry } from 'prom-client';
import { type AlertPayload, AlertReceiver } from '../support/alert-receiver';
import { ApiClient } from '../support/api-client';
import { Pipeline } from '../support/pipeline';
import { gatewayConfig, notifierConfig, proberConfig, schedulerConfig } from '../support/services';
import { query } from '../support/test-database';
import { startGateway } from '../../apps/gateway/src/bootstrap';
import { startNotifier } from '../../apps/notifier/src/bootstrap';
import { RegionWatch } from '../../apps/notifier/src/incidents/region-watch';
import { startProber } from '../../apps/prober/src/bootstrap';
import { startScheduler } from '../../apps/scheduler/src/bootstrap';
import { waitFor } from '../support/wait-for';

interface Delivery extends AlertPayload {
  monitor: { id: string; name: string };
  incident: { id: string; kind?: string } | null;
}

/** Monitors of each of the two teams: four in all, above the default minimums (3, 2 teams). */
const MONITORS_PER_TEAM = 2;

/**
 * A region whose network is cut: its prober's requests get no answer at all (the socket is
 * closed) while the other region's are served. Every monitor would page on its own (one failing
 * region of two is down under the default quorum, and `alertOnPartial` is set too); the notifier
 * instead holds those slots, finds the region at fault across the monitors, opens one region
 * incident, tells the operator's channel, and pages nobody about the monitors. Two notifier
 * replicas share the work (results, slot clocks, region passes): still one incident, one alert
 * at its opening and one at its end. The rules are the defaults but for a shorter window.
 */
describe('region incidents', () => {
  const pipeline = new Pipeline();
  const eu = `${pipeline.region}-eu`;
  const us = `${pipeline.region}-us`;
  let team: AlertReceiver<Delivery>;
  let operator: AlertReceiver<Delivery>;
  let target: Server;
  let targetUrl: string;
  /** Two teams, each with its own channel to the same receiver. */
  const teams: { token: string; channelId: string }[] = [];
  let operatorId: string;
  let operatorToken: string;
  let secondNotifier: RunningService;
  /** A second gateway, naming the operator's team (`OPERATOR_TEAM_ID`). */
  let operatorGateway: RunningService;
  let operatorApi: ApiClient;
  /** Set once the platform is warmed up; cleared when the us network is back. */
  let cut = false;

  async function webhook(receiver: AlertReceiver<Delivery>, accessToken: string) {
    const channel = await pipeline.api.post<{ id: string }>(
      '/api/v1/channels',
      {
        name: 'hook',
        type: 'webhook',
        config: { url: receiver.url, secret: 'a-webhook-secret-long' },
      },
      accessToken,
    );
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    return channel.body.id;
  }

  before(async () => {
    pipeline.gatewayOverrides = { defaultRegions: [eu, us] };
    pipeline.notifierOverrides = {
      defaultRegions: [eu, us],
      regionIncidents: { windowMs: 10_000, minMonitors: 3, minOwners: 2 },
    };
    await pipeline.start({ probers: 0, schedulers: 0 });
    team = await AlertReceiver.start<Delivery>();
    operator = await AlertReceiver.start<Delivery>();
    // The operator's channel is a channel of the operator's own team, named in the config.
    const operatorAccount = await pipeline.api.newUser('operator');
    operatorToken = operatorAccount.accessToken;
    // A personal team's id is its owner's.
    operatorId = operatorAccount.id;
    const operatorChannelId = await webhook(operator, operatorToken);
    await pipeline.notifier?.close();
    pipeline.notifierOverrides = { ...pipeline.notifierOverrides, operatorChannelId };
    await pipeline.startNotifier();
    secondNotifier = await startNotifier(
      notifierConfig(pipeline.db.url, pipeline.notifierOverrides),
      false,
    );
    operatorGateway = await startGateway(
      gatewayConfig({ defaultRegions: [eu, us], operatorTeamId: operatorId }),
    );
    operatorApi = new ApiClient(operatorGateway.url!.replace('[::1]', '127.0.0.1'));
    for (const region of [eu, us]) {
      pipeline.probers.push(await startProber(proberConfig(region, { concurrency: 20 }), false));
    }
    pipeline.schedulers.push(
      await startScheduler(schedulerConfig(eu, { defaultRegions: [eu, us] }), false),
    );
    target = createServer((req, res) => {
      // The us prober's network is cut: its requests are never answered.
      if (cut && (req.headers['user-agent'] ?? '').includes(`(+region ${us})`)) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    for (const name of ['cut-a', 'cut-b']) {
      const token = (await pipeline.api.newUser(name)).accessToken;
      teams.push({ token, channelId: await webhook(team, token) });
    }
  });

  after(async () => {
    await operatorGateway?.close();
    await secondNotifier?.close();
    await pipeline.stop();
    await team?.close();
    await operator?.close();
    await new Promise((resolve) => target?.close(resolve));
  });

  async function createMonitor(
    path: string,
    { token, channelId }: { token: string; channelId: string },
  ): Promise<Monitor> {
    const created = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      {
        name: path,
        url: `${targetUrl}${path}`,
        intervalSeconds: 10,
        timeoutMs: 1000,
        regions: [eu, us],
        channelIds: [channelId],
        alertPolicy: { alertOnPartial: true },
      },
      token,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  }

  const heldSlots = async (ids: string[]) =>
    (
      await query<{ held: number }>(
        pipeline.db.url,
        `select coalesce(sum(jsonb_array_length(coalesce(state->'heldSlots', '[]'::jsonb))), 0)::int as held from notifier.monitor_alert_states where monitor_id = any($1::uuid[])`,
        [ids],
      )
    )[0]?.held ?? 0;

  const notifiers = () => [pipeline.notifier!, secondNotifier];
  const regionsSeenBy = async (token: string) =>
    (await pipeline.api.get<RegionList>('/api/v1/regions', token)).body.items;
  const regionIncidents = () =>
    query<{ id: string; region: string; state: string; suspects: number }>(
      pipeline.db.url,
      `select id, region, state, suspects from notifier.region_incidents`,
    );
  const monitors: { monitor: Monitor; token: string }[] = [];

  it('should hold nothing until enough monitors of enough teams are observed', async () => {
    // With no monitor observed yet (a pass has run at start), a judgement could not cut a region.
    for (const notifier of notifiers()) {
      assert.equal(notifier.app.get(RegionWatch, { strict: false }).holdMs(), 0);
    }
    for (const [t, owner] of teams.entries()) {
      for (let n = 0; n < MONITORS_PER_TEAM; n++) {
        monitors.push({
          monitor: await createMonitor(`/site/${t}/${n}`, owner),
          token: owner.token,
        });
      }
    }
    // A platform whose monitors were never observed cannot judge a region: nothing is held, as
    // on a platform with too few monitors or teams. Once observed, both replicas hold.
    await waitFor(
      'both notifier replicas holding region-suspect slots',
      () => notifiers().every((n) => n.app.get(RegionWatch, { strict: false }).holdMs() > 0),
      90_000,
      250,
    );
    // Holding starts once the monitors were observed; their first decided slot may land a
    // moment later on a loaded machine, and it must say up.
    for (const { monitor, token } of monitors) {
      const seen = await waitFor(
        `monitor ${monitor.name} decided`,
        async () => {
          const body = (await pipeline.api.get<Monitor>(`/api/v1/monitors/${monitor.id}`, token))
            .body;
          return body.status !== 'pending' && body;
        },
        60_000,
        250,
      );
      assert.equal(seen.status, 'up');
    }
  });

  it('should open one region incident, tell the operator once and page nobody about the monitors', async () => {
    cut = true;
    const ids = monitors.map((m) => m.monitor.id);

    const [opened] = await waitFor(
      "the operator's region alert",
      () => {
        const alerts = operator.alerts.filter((a) => a.alert.kind === 'partial');
        return alerts.length > 0 && alerts;
      },
      120_000,
      250,
    );
    assert.equal(opened?.monitor.name, `Region ${us}`);

    // The slots held meanwhile are all released, and a slot after the incident opened is
    // decided for every monitor: with us not judged, they are up.
    await waitFor(
      'every held slot released and every monitor up',
      async () => {
        if ((await heldSlots(ids)) > 0) return false;
        for (const { monitor, token } of monitors) {
          const seen = (await pipeline.api.get<Monitor>(`/api/v1/monitors/${monitor.id}`, token))
            .body;
          if (seen.status !== 'up') return false;
        }
        return true;
      },
      90_000,
      500,
    );

    for (const { monitor, token } of monitors) {
      assert.deepEqual(team.kindsOf(monitor.id), [], `no alert about monitor ${monitor.id}`);
      const incidents = await pipeline.api.get<{ items: unknown[] }>(
        `/api/v1/monitors/${monitor.id}/incidents`,
        token,
      );
      assert.deepEqual(incidents.body.items, [], `no incident of monitor ${monitor.id}`);
    }
    assert.equal(operator.alerts.length, 1, 'the operator heard of it once');
    const rows = await regionIncidents();
    assert.equal(rows.length, 1, 'one region incident, whichever replica judged');
    assert.equal(rows[0]?.region, us);
    assert.equal(rows[0]?.state, 'open');
    assert.ok((rows[0]?.suspects ?? 0) >= 3);
    assert.equal(opened?.incident?.id, rows[0]?.id);
    for (const notifier of notifiers()) {
      const registry = notifier.app.get<Registry>(TELEMETRY, { strict: false });
      await waitFor('the open incident gauge', async () => {
        const gauge = await registry
          .getSingleMetric('uptime_notifier_region_incidents_open')
          ?.get();
        return gauge?.values.some((v) => v.labels.region === us && v.value === 1);
      });
    }
  });

  it('should show the open incident on its region in GET /regions, to any caller', async () => {
    const [row] = await regionIncidents();
    const items = await waitFor(
      'us cut off in GET /regions',
      async () => {
        const regions = await regionsSeenBy(teams[0]!.token);
        return regions.find((r) => r.name === us)?.state === 'cut_off' && regions;
      },
      15_000,
      250,
    );
    const cutOff = items.find((r) => r.name === us)!;
    assert.equal(cutOff.incident?.id, row?.id);
    assert.equal(cutOff.incident?.region, us);
    assert.equal(cutOff.incident?.state, 'open');
    assert.equal(cutOff.incident?.resolvedAt, null);
    assert.ok((cutOff.incident?.failingMonitors ?? 0) >= 3);
    assert.ok((cutOff.incident?.monitors ?? 0) >= cutOff.incident!.failingMonitors);
    const other = items.find((r) => r.name === eu)!;
    assert.equal(other.state, 'healthy');
    assert.equal(other.incident, null);
  });

  it('should list region incidents to admins of the operator team only', async () => {
    const [row] = await regionIncidents();
    const listed = await operatorApi.get<RegionIncidentList>(
      '/api/v1/regions/incidents',
      operatorToken,
    );
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(
      listed.body.items.map((i: RegionIncident) => [i.id, i.region, i.state]),
      [[row?.id, us, 'open']],
    );
    const since = new Date(Date.now() + 60_000).toISOString();
    const none = await operatorApi.get<RegionIncidentList>(
      `/api/v1/regions/incidents?from=${encodeURIComponent(since)}`,
      operatorToken,
    );
    assert.deepEqual(none.body.items, []);

    // Another team's owner, and a gateway that names no operator team: 403, never the list.
    const stranger = await operatorApi.get('/api/v1/regions/incidents', teams[0]!.token);
    assert.equal(stranger.status, 403);
    const unnamed = await pipeline.api.get('/api/v1/regions/incidents', operatorToken);
    assert.equal(unnamed.status, 403);
    const bad = await operatorApi.get<{ errors?: { field: string }[] }>(
      '/api/v1/regions/incidents?from=yesterday&limit=0',
      operatorToken,
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors?.map((e) => e.field).sort(), ['from', 'limit']);
  });

  it('should resolve the region incident once the region agrees again, telling the operator once', async () => {
    cut = false;
    const [up] = await waitFor(
      "the operator's recovery alert",
      () => {
        const alerts = operator.alerts.filter((a) => a.alert.kind === 'up');
        return alerts.length > 0 && alerts;
      },
      150_000,
      250,
    );
    assert.equal(up?.monitor.name, `Region ${us}`);
    assert.deepEqual(
      operator.alerts.map((a) => a.alert.kind),
      ['partial', 'up'],
    );
    assert.deepEqual(team.alerts, [], 'nobody was paged about the monitors');
    const rows = await regionIncidents();
    assert.deepEqual(
      rows.map((r) => r.state),
      ['resolved'],
    );
    await waitFor(
      'us healthy again in GET /regions',
      async () => {
        const regions = await regionsSeenBy(teams[1]!.token);
        const region = regions.find((r) => r.name === us);
        return region?.state === 'healthy' && region.incident === null;
      },
      15_000,
      250,
    );
    const listed = await operatorApi.get<RegionIncidentList>(
      '/api/v1/regions/incidents',
      operatorToken,
    );
    assert.equal(listed.body.items[0]?.state, 'resolved');
    assert.ok(listed.body.items[0]?.resolvedAt);
  });
});
