import type { Monitor } from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Registry } from 'prom-client';
import { type AlertPayload, AlertReceiver } from '../support/alert-receiver';
import { Pipeline } from '../support/pipeline';
import { proberConfig, schedulerConfig } from '../support/services';
import { query } from '../support/test-database';
import { startProber } from '../../apps/prober/src/bootstrap';
import { startScheduler } from '../../apps/scheduler/src/bootstrap';
import { waitFor } from '../support/wait-for';

interface Delivery extends AlertPayload {
  monitor: { id: string; name: string };
  incident: { id: string; kind?: string } | null;
}

const MONITORS = 3;

/**
 * A region whose network is cut: its prober's requests get no answer at all (the socket is
 * closed) while the other region's are served. Every monitor would page on its own (one failing
 * region of two is down under the default quorum, and `alertOnPartial` is set too); the notifier
 * instead holds those slots, finds the region at fault across the monitors, opens one region
 * incident, tells the operator's channel, and pages nobody about the monitors.
 */
describe('region incidents', () => {
  const pipeline = new Pipeline();
  const eu = `${pipeline.region}-eu`;
  const us = `${pipeline.region}-us`;
  let team: AlertReceiver<Delivery>;
  let operator: AlertReceiver<Delivery>;
  let target: Server;
  let targetUrl: string;
  let token: string;
  let channelId: string;
  /** Set when the us network is back. */
  let healed = false;

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
      regionIncidents: { windowMs: 15_000, minMonitors: MONITORS, minOwners: 1 },
    };
    await pipeline.start({ probers: 0, schedulers: 0 });
    team = await AlertReceiver.start<Delivery>();
    operator = await AlertReceiver.start<Delivery>();
    // The operator's channel is a channel of the operator's own team, named in the config.
    const operatorToken = (await pipeline.api.newUser('operator')).accessToken;
    const operatorChannelId = await webhook(operator, operatorToken);
    await pipeline.notifier?.close();
    pipeline.notifierOverrides = { ...pipeline.notifierOverrides, operatorChannelId };
    await pipeline.startNotifier();
    for (const region of [eu, us]) {
      pipeline.probers.push(await startProber(proberConfig(region, { concurrency: 20 }), false));
    }
    pipeline.schedulers.push(
      await startScheduler(schedulerConfig(eu, { defaultRegions: [eu, us] }), false),
    );
    target = createServer((req, res) => {
      // The us prober's network is cut: its requests are never answered.
      if (!healed && (req.headers['user-agent'] ?? '').includes(`(+region ${us})`)) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    token = (await pipeline.api.newUser('cut')).accessToken;
    channelId = await webhook(team, token);
  });

  after(async () => {
    await pipeline.stop();
    await team?.close();
    await operator?.close();
    await new Promise((resolve) => target?.close(resolve));
  });

  async function createMonitor(path: string): Promise<Monitor> {
    const created = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      {
        name: path,
        url: `${targetUrl}${path}`,
        intervalSeconds: 10,
        timeoutMs: 2000,
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

  it('should open one region incident, tell the operator once and page nobody about the monitors', async () => {
    const monitors: Monitor[] = [];
    for (let n = 0; n < MONITORS; n++) monitors.push(await createMonitor(`/site/${n}`));
    const ids = monitors.map((m) => m.id);

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
        for (const id of ids) {
          const monitor = (await pipeline.api.get<Monitor>(`/api/v1/monitors/${id}`, token)).body;
          if (monitor.status !== 'up') return false;
        }
        return true;
      },
      90_000,
      500,
    );

    for (const id of ids) {
      assert.deepEqual(team.kindsOf(id), [], `no alert about monitor ${id}`);
      const incidents = await pipeline.api.get<{ items: unknown[] }>(
        `/api/v1/monitors/${id}/incidents`,
        token,
      );
      assert.deepEqual(incidents.body.items, [], `no incident of monitor ${id}`);
    }
    assert.equal(operator.alerts.length, 1, 'the operator heard of it once');
    const rows = await query<{ region: string; state: string; suspects: number }>(
      pipeline.db.url,
      `select region, state, suspects from notifier.region_incidents`,
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.region, us);
    assert.equal(rows[0]?.state, 'open');
    assert.ok((rows[0]?.suspects ?? 0) >= 2);
    const registry = pipeline.notifier!.app.get<Registry>(TELEMETRY, { strict: false });
    await waitFor('the open incident gauge', async () => {
      const gauge = await registry.getSingleMetric('uptime_notifier_region_incidents_open')?.get();
      return gauge?.values.some((v) => v.labels.region === us && v.value === 1);
    });
  });

  it('should resolve the region incident once the region agrees again, telling the operator once', async () => {
    healed = true;
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
    const rows = await query<{ state: string }>(
      pipeline.db.url,
      `select state from notifier.region_incidents`,
    );
    assert.deepEqual(
      rows.map((r) => r.state),
      ['resolved'],
    );
  });
});
