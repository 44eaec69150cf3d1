import {
  type CheckResult,
  CheckResultStream,
  DurableConsumers,
  type Monitor,
  type MonitorStats,
} from '@uptime/contracts';
import { connect, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AlertReceiver } from '../support/alert-receiver';
import { waitForConsumerCaughtUp } from '../support/consumer-progress';
import { TestDnsServer } from '../support/dns-server';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { query } from '../support/test-database';
import { waitFor } from '../support/wait-for';

interface Page {
  items: CheckResult[];
}

describe('dns monitors through the whole pipeline', () => {
  const pipeline = new Pipeline();
  let dns: TestDnsServer;
  let receiver: AlertReceiver;
  let nc: NatsConnection;
  let token: string;
  let channelId: string;

  const createDnsMonitor = async (name: string, body: Record<string, unknown>) => {
    const res = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      { name, type: 'dns', intervalSeconds: 10, timeoutMs: 2000, ...body },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const checksOf = async (id: string) =>
    (await pipeline.api.get<Page>(`/api/v1/monitors/${id}/checks?limit=100`, token)).body.items;
  const firstCheck = (id: string) =>
    waitFor(`a check of ${id}`, async () => (await checksOf(id))[0], 40_000, 200);

  before(async () => {
    dns = await TestDnsServer.start();
    dns.set('shop.example.test', { records: { A: ['192.0.2.10', '192.0.2.11'] } });
    receiver = await AlertReceiver.start();
    await pipeline.start({ probers: 1, schedulers: 1 });
    nc = await connect({ servers: NATS_URL });
    token = (await pipeline.api.newUser('dns')).accessToken;
    channelId = await pipeline.api.newWebhookChannel(
      token,
      'dns hook',
      receiver.url,
      'x'.repeat(32),
    );
  });
  after(async () => {
    await nc?.close();
    await pipeline.stop();
    await receiver?.close();
    await dns?.close();
  });

  it('stores an up result with the answers and the query time, and counts it in stats', async () => {
    const monitor = await createDnsMonitor('shop dns', {
      url: 'dns://shop.example.test',
      dns: { recordType: 'A', resolver: dns.address, expected: ['192.0.2.10'] },
    });
    assert.deepEqual(monitor.dns, {
      recordType: 'A',
      resolver: dns.address,
      expected: ['192.0.2.10'],
    });
    const got = await pipeline.api.get<Monitor>(`/api/v1/monitors/${monitor.id}`, token);
    assert.deepEqual(got.body.dns, monitor.dns);

    const check = await firstCheck(monitor.id);
    assert.equal(check.outcome, 'up', check.message ?? '');
    assert.equal(check.errorKind, null);
    assert.equal(check.httpStatus, null);
    assert.equal(check.message, 'A shop.example.test: 192.0.2.10, 192.0.2.11');
    assert.ok(check.latencyMs > 0);
    assert.equal(check.timings.dnsMs, check.latencyMs);
    assert.ok(dns.queries.includes('A shop.example.test'));

    const stats = await waitFor('stats of the check', async () => {
      const res = await pipeline.api.get<MonitorStats>(
        `/api/v1/monitors/${monitor.id}/stats`,
        token,
      );
      return res.body.totalChecks > 0 ? res.body : undefined;
    });
    assert.equal(stats.currentStatus, 'up');
    assert.ok((stats.avgLatencyMs ?? 0) > 0);
  });

  it('stores a down result with errorKind dns for a name that does not exist', async () => {
    const monitor = await createDnsMonitor('missing dns', {
      url: 'dns://missing.example.test',
      dns: { recordType: 'A', resolver: dns.address },
    });
    const check = await firstCheck(monitor.id);
    assert.equal(check.outcome, 'down');
    assert.equal(check.errorKind, 'dns');
    assert.match(check.message ?? '', /NXDOMAIN/);
  });

  it('opens an incident on SERVFAIL and resolves it when answers come back, one alert each way', async () => {
    dns.set('flaky.example.test', {
      records: { MX: [{ priority: 10, exchange: 'mx.example.test' }] },
    });
    const monitor = await createDnsMonitor('flaky dns', {
      url: 'dns://flaky.example.test',
      dns: { recordType: 'MX', resolver: dns.address, expected: ['mx.example.test'] },
      channelIds: [channelId],
    });
    const up = await firstCheck(monitor.id);
    assert.equal(up.outcome, 'up', up.message ?? '');

    dns.set('flaky.example.test', 'servfail');
    await waitFor(
      'the down alert',
      () => receiver.kindsOf(monitor.id).includes('down') || undefined,
      40_000,
    );
    // The metrics service stores results on its own consumer, maybe after the notifier acted.
    const down = await waitFor('the down check stored', async () =>
      (await checksOf(monitor.id)).find((c) => c.outcome === 'down'),
    );
    assert.equal(down.errorKind, 'dns');
    assert.match(down.message ?? '', /SERVFAIL/);

    dns.set('flaky.example.test', {
      records: { MX: [{ priority: 10, exchange: 'mx.example.test' }] },
    });
    await waitFor(
      'the up alert',
      () => receiver.kindsOf(monitor.id).includes('up') || undefined,
      40_000,
    );
    // Paused, so no further check can open another incident while the count is taken.
    await pipeline.api.post(`/api/v1/monitors/${monitor.id}/pause`, undefined, token);
    await waitForConsumerCaughtUp(nc, CheckResultStream.name, DurableConsumers.notifierResults);
    await waitFor('every alert delivered', async () => {
      const [row] = await query<{ n: number }>(
        pipeline.db.url,
        `select count(*)::int as n from notifier.alerts where monitor_id = $1 and status = 'pending'`,
        [monitor.id],
      );
      return row!.n === 0 || undefined;
    });
    const incidents = await pipeline.api.get<{ items: { state: string }[] }>(
      `/api/v1/monitors/${monitor.id}/incidents`,
      token,
    );
    assert.deepEqual(
      incidents.body.items.map((i) => i.state),
      ['resolved'],
    );
    assert.deepEqual(receiver.kindsOf(monitor.id), ['down', 'up']);
  });

  it('refuses bad dns monitors with 400, naming each field', async () => {
    const bad = await pipeline.api.post<{ errors: { field: string }[] }>(
      '/api/v1/monitors',
      {
        name: 'bad dns',
        type: 'dns',
        url: 'dns://bad..name',
        dns: { recordType: 'SRV', resolver: 'dns.google', expected: [] },
        headers: { a: 'b' },
      },
      token,
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e) => e.field).sort(), [
      'dns.recordType',
      'dns.resolver',
      'url',
    ]);
    const httpOnly = await pipeline.api.post<{ errors: { field: string }[] }>(
      '/api/v1/monitors',
      {
        name: 'dns with http fields',
        type: 'dns',
        url: 'dns://shop.example.test',
        dns: { recordType: 'A' },
        method: 'POST',
        keyword: 'ok',
      },
      token,
    );
    assert.equal(httpOnly.status, 400);
    assert.deepEqual(httpOnly.body.errors.map((e) => e.field).sort(), ['keyword', 'method']);
    const missing = await pipeline.api.post<{ errors: { field: string }[] }>(
      '/api/v1/monitors',
      { name: 'dns without settings', type: 'dns', url: 'dns://shop.example.test' },
      token,
    );
    assert.equal(missing.status, 400);
    assert.deepEqual(
      missing.body.errors.map((e) => e.field),
      ['dns'],
    );
  });
});
