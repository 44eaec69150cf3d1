import { type CheckResult, checkResultSubject, type Monitor } from '@uptime/contracts';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type AlertPayload, AlertReceiver } from '../support/alert-receiver';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { waitFor } from '../support/wait-for';

const DAY_MS = 86_400_000;

interface Delivery extends AlertPayload {
  incident: { id: string; kind?: string; cause: { certificateExpiresAt?: string } | null } | null;
}

interface IncidentView {
  id: string;
  kind: string;
  state: string;
}

describe('certificate expiry incidents', () => {
  const pipeline = new Pipeline();
  let receiver: AlertReceiver<Delivery>;
  let nc: NatsConnection;
  let token: string;
  let channelId: string;
  let clock = Date.now();

  async function publish(
    monitor: Monitor,
    outcome: 'up' | 'down',
    certificateExpiresAt: string | null,
  ): Promise<void> {
    clock += 60_000;
    const at = new Date(clock).toISOString();
    const id = randomUUID();
    const result: CheckResult = {
      id,
      monitorId: monitor.id,
      ownerId: monitor.ownerId,
      region: pipeline.region,
      scheduledAt: at,
      startedAt: at,
      outcome,
      errorKind: outcome === 'up' ? null : 'http_status',
      httpStatus: outcome === 'up' ? 200 : 503,
      latencyMs: 12,
      timings: { dnsMs: 0, connectMs: 1, tlsMs: 2, firstByteMs: 10, transferMs: 1 },
      sizeBytes: 20,
      message: null,
      assertions:
        outcome === 'up'
          ? []
          : [{ type: 'status', expected: ['200-299'], actual: 503, passed: false }],
      certificateExpiresAt,
      onDemand: false,
      inMaintenance: false,
    };
    await nc
      .jetstream()
      .publish(checkResultSubject(pipeline.region), JSONCodec().encode(result), { msgID: id });
  }

  const inDays = (days: number) => new Date(clock + days * DAY_MS).toISOString();

  const incidentsOf = async (monitor: Monitor) => {
    const res = await pipeline.api.get<{ items: IncidentView[] }>(
      `/api/v1/monitors/${monitor.id}/incidents`,
      token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items;
  };

  async function createMonitor(name: string, alertPolicy: Record<string, unknown>) {
    return pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      {
        name,
        url: `https://${name}.example.test/`,
        regions: [pipeline.region],
        channelIds: [channelId],
        alertPolicy,
      },
      token,
    );
  }

  before(async () => {
    await pipeline.start({ probers: 0, schedulers: 0 });
    receiver = await AlertReceiver.start<Delivery>();
    nc = await connect({ servers: NATS_URL });
    token = (await pipeline.api.newUser('certificates')).accessToken;
    channelId = await pipeline.api.newWebhookChannel(token, 'cert hook', receiver.url);
  });
  after(async () => {
    await nc?.close();
    await pipeline.stop();
    await receiver?.close();
  });

  it('should open one certificate incident for an expiring certificate and resolve it on renewal, apart from availability', async () => {
    const created = await createMonitor('expiring', { certificateExpiryDays: 30 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const monitor = created.body;
    assert.equal(monitor.alertPolicy.certificateExpiryDays, 30);

    for (let n = 0; n < 3; n++) await publish(monitor, 'up', inDays(10));
    const opened = await waitFor('the certificate alert', async () => {
      const [alert] = receiver.of(monitor.id, 'certificate');
      return alert;
    });
    assert.equal(opened.incident?.kind, 'certificate');
    assert.ok(opened.incident?.cause?.certificateExpiresAt);

    // A failure opens the availability incident; the certificate one stays as it is.
    await publish(monitor, 'down', inDays(10));
    await waitFor('the down alert', async () => receiver.of(monitor.id, 'down')[0]);
    const both = await incidentsOf(monitor);
    assert.deepEqual(both.map((i) => `${i.kind}:${i.state}`).sort(), [
      'certificate:open',
      'down:open',
    ]);

    await publish(monitor, 'up', inDays(90));
    await waitFor('two resolve alerts', async () =>
      receiver.of(monitor.id, 'up').length >= 2 ? true : undefined,
    );
    const resolved = await incidentsOf(monitor);
    assert.deepEqual(resolved.map((i) => `${i.kind}:${i.state}`).sort(), [
      'certificate:resolved',
      'down:resolved',
    ]);
    await publish(monitor, 'up', inDays(90));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(receiver.of(monitor.id, 'certificate').length, 1, 'one certificate alert');
    assert.equal(receiver.of(monitor.id, 'down').length, 1, 'one down alert');
    const certificateResolves = receiver
      .of(monitor.id, 'up')
      .filter((d) => d.incident?.kind === 'certificate');
    assert.equal(certificateResolves.length, 1, 'one certificate resolve alert');
  });

  it('should do nothing for a certificate beyond the window or a result without one', async () => {
    const created = await createMonitor('healthy', {});
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.alertPolicy.certificateExpiryDays, 14);
    await publish(created.body, 'up', inDays(20));
    await publish(created.body, 'up', null);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(await incidentsOf(created.body), []);
  });

  it('should answer 400 naming alertPolicy.certificateExpiryDays when it is out of range', async () => {
    for (const bad of [0, 366, 1.5, 'soon']) {
      const res = await createMonitor('bad', { certificateExpiryDays: bad });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(JSON.stringify(res.body), /alertPolicy\.certificateExpiryDays/);
    }
  });
});
