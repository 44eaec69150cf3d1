import { type CheckResult, checkResultSubject, type Monitor } from '@uptime/contracts';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ReminderClock } from '../../apps/notifier/src/incidents/reminder-clock';
import { type AlertPayload, AlertReceiver } from '../support/alert-receiver';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { waitFor } from '../support/wait-for';

interface Delivery extends AlertPayload {
  alert: { kind: string; escalationStep: number | null };
  incident: { id: string } | null;
}

interface AlertView {
  channelId: string;
  kind: string;
  escalationStep: number | null;
}

interface IncidentView {
  id: string;
  state: string;
  timeline: { event: string; message: string }[];
}

/**
 * Escalation over the real stack: results are published as a prober would, and the notifier's
 * incident clock is ticked with a chosen `now`, as the reminder test does, so that a step ten
 * minutes away is tested in seconds; everything else goes through the API and the receivers.
 */
describe('escalation', () => {
  const pipeline = new Pipeline();
  const secret = 'a-webhook-secret-of-some-length';
  let first: AlertReceiver<Delivery>;
  let second: AlertReceiver<Delivery>;
  let nc: NatsConnection;
  let token: string;
  let channelA: string;
  let channelB: string;
  let clock = Date.now();

  async function publish(monitor: Monitor, outcome: 'up' | 'down'): Promise<void> {
    clock += 1000;
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
      timings: { dnsMs: 0, connectMs: 1, tlsMs: null, firstByteMs: 10, transferMs: 1 },
      sizeBytes: 20,
      message: null,
      assertions:
        outcome === 'up'
          ? []
          : [{ type: 'status', expected: ['200-299'], actual: 503, passed: false }],
      certificateExpiresAt: null,
      onDemand: false,
      inMaintenance: false,
    };
    await nc
      .jetstream()
      .publish(checkResultSubject(pipeline.region), JSONCodec().encode(result), { msgID: id });
  }

  const newChannel = async (name: string, url: string) => {
    const res = await pipeline.api.post<{ id: string }>(
      '/api/v1/channels',
      { name, type: 'webhook', config: { url, secret } },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };

  const createMonitor = (name: string, body: Record<string, unknown>) =>
    pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      { name, url: `https://${name}.example.test/`, regions: [pipeline.region], ...body },
      token,
    );

  const alertsOf = async (monitor: Monitor) => {
    const res = await pipeline.api.get<{ items: AlertView[] }>(
      `/api/v1/alerts?monitorId=${monitor.id}`,
      token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items;
  };

  const ticker = () => pipeline.notifier!.app.get(ReminderClock, { strict: false });
  /** `minutes` from now: the clock's idea of the time, for one tick. */
  const later = (minutes: number) => new Date(Date.now() + minutes * 60_000);
  const brief = (alerts: AlertView[]) =>
    alerts
      .map((a) => `${a.channelId === channelA ? 'A' : 'B'}:${a.kind}:${a.escalationStep}`)
      .sort();

  before(async () => {
    await pipeline.start({ probers: 0, schedulers: 0 });
    first = await AlertReceiver.start<Delivery>();
    second = await AlertReceiver.start<Delivery>();
    nc = await connect({ servers: NATS_URL });
    token = (await pipeline.api.newUser('escalation')).accessToken;
    channelA = await newChannel('first line', first.url);
    channelB = await newChannel('second line', second.url);
  });
  after(async () => {
    await nc?.close();
    await pipeline.stop();
    await first?.close();
    await second?.close();
  });

  it('should tell channel A at once, channel B once after the step delay, and both of the resolution', async () => {
    const created = await createMonitor('escalated', {
      channelIds: [channelA],
      alertPolicy: { escalation: [{ afterMinutes: 10, channelIds: [channelB] }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const monitor = created.body;
    assert.deepEqual(monitor.alertPolicy.escalation, [
      { afterMinutes: 10, channelIds: [channelB] },
    ]);

    await publish(monitor, 'down');
    const opened = await waitFor('the down alert on A', () => first.of(monitor.id, 'down')[0]);
    assert.equal(opened.alert.escalationStep, null);

    assert.equal(await ticker().tick(later(9)), 0, 'not before ten minutes');
    assert.deepEqual(brief(await alertsOf(monitor)), ['A:down:null']);

    // Two passes at once, as two replicas would run them: the locked row lets one fire the step.
    const [one, other] = await Promise.all([ticker().tick(later(10)), ticker().tick(later(10))]);
    assert.equal(one + other, 1, 'the step fires at ten minutes, once');
    assert.equal(await ticker().tick(later(11)), 0, 'and only once');
    const escalated = await waitFor('the escalation on B', () => second.of(monitor.id, 'down')[0]);
    assert.equal(escalated.alert.escalationStep, 1);
    assert.equal(escalated.incident?.id, opened.incident?.id);

    // What fired is stored with the incident: a restarted notifier does not fire it again.
    await pipeline.notifier!.close();
    await pipeline.startNotifier();
    assert.equal(await ticker().tick(later(60)), 0, 'not again after a restart');
    assert.deepEqual(brief(await alertsOf(monitor)), ['A:down:null', 'B:down:1']);

    await publish(monitor, 'up');
    await waitFor('the resolution on A', () => first.of(monitor.id, 'up')[0]);
    await waitFor('the resolution on B', () => second.of(monitor.id, 'up')[0]);
    assert.equal(await ticker().tick(later(120)), 0, 'no step after the resolution');
    assert.deepEqual(brief(await alertsOf(monitor)), [
      'A:down:null',
      'A:up:null',
      'B:down:1',
      'B:up:null',
    ]);
    assert.deepEqual(first.kindsOf(monitor.id), ['down', 'up']);
    assert.deepEqual(second.kindsOf(monitor.id), ['down', 'up']);

    const incidents = await pipeline.api.get<{ items: IncidentView[] }>(
      `/api/v1/monitors/${monitor.id}/incidents`,
      token,
    );
    assert.equal(incidents.status, 200, JSON.stringify(incidents.body));
    const [incident] = incidents.body.items;
    assert.deepEqual(
      incident?.timeline.map((t) => t.event),
      ['opened', 'escalated', 'resolved'],
    );
  });

  it('should remind every channel told, the escalated ones too', async () => {
    const created = await createMonitor('reminded', {
      channelIds: [channelA],
      alertPolicy: {
        renotifyMinutes: 30,
        escalation: [{ afterMinutes: 5, channelIds: [channelB] }],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const monitor = created.body;
    await publish(monitor, 'down');
    await waitFor('the down alert on A', () => first.of(monitor.id, 'down')[0]);
    assert.equal(await ticker().tick(later(5)), 1);
    assert.equal(await ticker().tick(later(31)), 1, 'one reminder');
    await waitFor('the reminder on A', () => first.of(monitor.id, 'reminder')[0]);
    await waitFor('the reminder on B', () => second.of(monitor.id, 'reminder')[0]);
    await publish(monitor, 'up');
    await waitFor('both resolutions', () =>
      first.of(monitor.id, 'up').length + second.of(monitor.id, 'up').length === 2 ? true : false,
    );
    assert.deepEqual(first.kindsOf(monitor.id), ['down', 'reminder', 'up']);
    assert.deepEqual(second.kindsOf(monitor.id), ['down', 'reminder', 'up']);
  });

  it('should drop a deleted channel from the steps that name it, and a step left with none', async () => {
    const doomed = await newChannel('doomed', first.url);
    const created = await createMonitor('cleaned', {
      alertPolicy: {
        escalation: [
          { afterMinutes: 5, channelIds: [doomed] },
          { afterMinutes: 10, channelIds: [doomed, channelB] },
        ],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const deleted = await pipeline.api.delete(`/api/v1/channels/${doomed}`, token);
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    const cleaned = await waitFor('the registry to drop the channel from the steps', async () => {
      const res = await pipeline.api.get<Monitor>(`/api/v1/monitors/${created.body.id}`, token);
      return res.body.alertPolicy.escalation.length === 1 ? res.body : undefined;
    });
    assert.deepEqual(cleaned.alertPolicy.escalation, [
      { afterMinutes: 10, channelIds: [channelB] },
    ]);
  });

  it('should answer 400 naming the field for a bad escalation, on create, patch and apply', async () => {
    const step = (afterMinutes: unknown, channelIds: unknown = [channelB]) => ({
      afterMinutes,
      channelIds,
    });
    const cases: [unknown, string][] = [
      [[step(0)], 'alertPolicy.escalation[0].afterMinutes'],
      [[step(10081)], 'alertPolicy.escalation[0].afterMinutes'],
      [[step(2.5)], 'alertPolicy.escalation[0].afterMinutes'],
      [[step(10), step(10)], 'alertPolicy.escalation[1].afterMinutes'],
      [[step(20), step(10)], 'alertPolicy.escalation[1].afterMinutes'],
      [[1, 2, 3, 4, 5, 6].map((m) => step(m)), 'alertPolicy.escalation'],
      [[step(5, [])], 'alertPolicy.escalation[0].channelIds'],
      [[step(5, ['not-a-uuid'])], 'alertPolicy.escalation[0].channelIds[0]'],
      [[step(5, [randomUUID()])], 'alertPolicy.escalation[0].channelIds[0]'],
      [[step(5), step(9, [channelA, randomUUID()])], 'alertPolicy.escalation[1].channelIds[1]'],
      [{ afterMinutes: 5 }, 'alertPolicy.escalation'],
    ];
    const valid = await createMonitor('patched', {});
    assert.equal(valid.status, 201, JSON.stringify(valid.body));
    for (const [escalation, field] of cases) {
      const created = await createMonitor('refused', { alertPolicy: { escalation } });
      assert.equal(created.status, 400, JSON.stringify(created.body));
      assert.match(created.headers.get('content-type') ?? '', /application\/problem\+json/);
      const fields = (created.body as unknown as { errors: { field: string }[] }).errors;
      assert.deepEqual(
        fields.map((e) => e.field),
        [field],
      );
      const patched = await pipeline.api.patch(
        `/api/v1/monitors/${valid.body.id}`,
        { alertPolicy: { escalation } },
        token,
      );
      assert.equal(patched.status, 400, JSON.stringify(patched.body));
      assert.match(JSON.stringify(patched.body), new RegExp(field.replace(/[[\].]/g, '\\$&')));
    }
    const applied = await pipeline.api.post(
      '/api/v1/config/apply',
      {
        version: 1,
        monitors: [
          {
            key: 'coded',
            name: 'Coded',
            url: 'https://coded.example.test/',
            alertPolicy: { escalation: [step(5, [randomUUID()])] },
          },
        ],
      },
      token,
    );
    assert.equal(applied.status, 400, JSON.stringify(applied.body));
    assert.match(
      JSON.stringify(applied.body),
      /monitors\[0\]\.alertPolicy\.escalation\[0\]\.channelIds\[0\]/,
    );
  });

  it('should take escalation as code: applied, exported, and unchanged when applied again', async () => {
    const document = {
      version: 1,
      monitors: [
        {
          key: 'as-code',
          name: 'As code',
          url: 'https://as-code.example.test/',
          regions: [pipeline.region],
          channels: ['first line'],
          alertPolicy: { escalation: [{ afterMinutes: 15, channelIds: [channelB] }] },
        },
      ],
    };
    const applied = await pipeline.api.post<{ create: { key: string }[] }>(
      '/api/v1/config/apply',
      document,
      token,
    );
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.deepEqual(
      applied.body.create.map((c) => c.key),
      ['as-code'],
    );
    const again = await pipeline.api.post<{ unchanged: string[] }>(
      '/api/v1/config/apply',
      document,
      token,
    );
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.ok(again.body.unchanged.includes('as-code'), JSON.stringify(again.body));

    const exported = await pipeline.api.text('GET', '/api/v1/config/export', { token });
    assert.equal(exported.status, 200, exported.text);
    const monitors = (parse(exported.text) as { monitors: Record<string, unknown>[] }).monitors;
    const asCode = monitors.find((m) => m.key === 'as-code');
    assert.deepEqual(asCode?.alertPolicy, {
      escalation: [{ afterMinutes: 15, channelIds: [channelB] }],
    });

    const schema = await pipeline.api.get('/api/v1/config/schema.json');
    assert.equal(schema.status, 200);
    assert.match(JSON.stringify(schema.body), /"escalation"/);
  });
});
