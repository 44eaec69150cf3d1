import {
  type CheckResult,
  CheckResultStream,
  checkResultSubject,
  DurableConsumers,
  type Monitor,
} from '@uptime/contracts';
import { simpleParser } from 'mailparser';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { verifyWebhookSignature } from '../../apps/notifier/src/channels/index';
import { ReminderClock } from '../../apps/notifier/src/incidents/reminder-clock';
import { waitForConsumerCaughtUp } from '../support/consumer-progress';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { query } from '../support/test-database';
import { waitFor } from '../support/wait-for';

interface Delivery {
  headers: IncomingMessage['headers'];
  body: string;
  payload: {
    alert: { id: string; kind: string };
    monitor: { id: string; name: string };
    incident: { id: string } | null;
  };
}

/** A webhook receiver on loopback that can be told to fail its next requests. */
class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  failNext = 0;
  requests = 0;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const holder: { r?: WebhookReceiver } = {};
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const r = holder.r!;
        r.requests++;
        if (r.failNext > 0) {
          r.failNext--;
          res.writeHead(503).end();
          return;
        }
        r.deliveries.push({
          headers: req.headers,
          body,
          payload: JSON.parse(body) as Delivery['payload'],
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.r = new WebhookReceiver(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    );
    return holder.r;
  }

  of(monitorId: string, kind?: string): Delivery[] {
    return this.deliveries.filter(
      (d) => d.payload.monitor.id === monitorId && (!kind || d.payload.alert.kind === kind),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('incidents and alerts', () => {
  const pipeline = new Pipeline();
  const secret = 'a-webhook-secret-of-some-length';
  const mails: string[] = [];
  let smtp: SMTPServer;
  let receiver: WebhookReceiver;
  let nc: NatsConnection;
  let token: string;
  let webhookId: string;

  /** Results are published as a prober would, so the test controls every outcome and time. */
  const publish = async (
    monitor: Monitor,
    outcome: 'up' | 'down',
    minute: number,
    id = randomUUID(),
  ) => {
    const at = new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
    const result: CheckResult = {
      id,
      monitorId: monitor.id,
      ownerId: monitor.ownerId,
      region: pipeline.region,
      scheduledAt: at,
      startedAt: at,
      outcome,
      errorKind: outcome === 'down' ? 'http_status' : null,
      httpStatus: outcome === 'down' ? 503 : 200,
      latencyMs: 12,
      timings: { dnsMs: 0, connectMs: 1, tlsMs: null, firstByteMs: 10, transferMs: 1 },
      sizeBytes: 20,
      message: outcome === 'down' ? 'HTTP status 503, expected 200-299' : null,
      assertions: [
        {
          type: 'status',
          expected: ['200-299'],
          actual: outcome === 'down' ? 503 : 200,
          passed: outcome === 'up',
        },
      ],
      certificateExpiresAt: null,
      onDemand: false,
      inMaintenance: false,
    };
    await nc
      .jetstream()
      .publish(checkResultSubject(pipeline.region), JSONCodec().encode(result), { msgID: id });
    return id;
  };

  /** A monitor no prober runs (the pipeline starts none), so only the test's results reach it. */
  const monitorWith = async (name: string, body: Record<string, unknown> = {}) => {
    const res = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      {
        name,
        url: `https://${name}.example.test/`,
        regions: [pipeline.region],
        channelIds: [webhookId],
        ...body,
      },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  /**
   * Returns once the notifier has applied every result published so far and every alert they
   * caused has left (or given up): nothing more can reach the receiver for these results, so a
   * count taken now includes any duplicate however late it comes.
   */
  const settled = async (monitor: Monitor) => {
    await waitForConsumerCaughtUp(nc, CheckResultStream.name, DurableConsumers.notifierResults);
    await waitFor(
      `the alerts of ${monitor.name} delivered`,
      async () =>
        (
          await query<{ n: number }>(
            pipeline.db.url,
            `select count(*)::int as n from notifier.alerts where monitor_id = $1 and status = 'pending'`,
            [monitor.id],
          )
        )[0]!.n === 0,
      15_000,
    );
  };

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, done) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString()));
        stream.on('end', () => {
          mails.push(raw);
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    pipeline.notifierOverrides = {
      smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
      mailFrom: 'alerts@uptime.test',
    };
    await pipeline.start({ probers: 0, schedulers: 0 });
    receiver = await WebhookReceiver.start();
    nc = await connect({ servers: NATS_URL });
    token = (await pipeline.api.newUser('alerts')).accessToken;
    const channel = await pipeline.api.post<{ id: string }>(
      '/api/v1/channels',
      { name: 'ops hook', type: 'webhook', config: { url: receiver.url, secret } },
      token,
    );
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    webhookId = channel.body.id;
  });
  after(async () => {
    await nc?.close();
    await pipeline.stop();
    await receiver?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  it('should keep channel secrets write-only and validate configs by field', async () => {
    const got = await pipeline.api.get<{ config: Record<string, unknown> }>(
      `/api/v1/channels/${webhookId}`,
      token,
    );
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.config, { url: receiver.url });
    const bad = await pipeline.api.post<{ errors: { field: string }[] }>(
      '/api/v1/channels',
      { name: 'x', type: 'webhook', config: { url: 'ftp://x', secret: 'short' } },
      token,
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e) => e.field).sort(), ['config.secret', 'config.url']);
    const unknown = await pipeline.api.post(
      '/api/v1/channels',
      { name: 'x', type: 'pager', config: {} },
      token,
    );
    assert.equal(unknown.status, 400);
    const renamed = await pipeline.api.patch<{ name: string; config: object }>(
      `/api/v1/channels/${webhookId}`,
      { name: 'ops webhook' },
      token,
    );
    assert.equal(renamed.body.name, 'ops webhook');
    const stranger = await pipeline.api.newUser('channel-stranger');
    assert.equal(
      (await pipeline.api.get(`/api/v1/channels/${webhookId}`, stranger.accessToken)).status,
      404,
    );
  });

  it('should send a signed test message on request', async () => {
    const res = await pipeline.api.post<{ status: string; attempts: number; kind: string }>(
      `/api/v1/channels/${webhookId}/test`,
      undefined,
      token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.kind, 'test');
    assert.equal(res.body.status, 'sent');
    const test = receiver.deliveries.find((d) => d.payload.alert.kind === 'test')!;
    assert.ok(verifyWebhookSignature(secret, test.headers, test.body));
  });

  it('should alert once when a monitor goes down and once when it recovers, each signed', async () => {
    const monitor = await monitorWith('checkout');
    await publish(monitor, 'down', 0);
    const down = await waitFor('the down alert', () => receiver.of(monitor.id, 'down')[0]);
    assert.ok(verifyWebhookSignature(secret, down.headers, down.body), 'valid X-Signature-256');
    assert.ok(
      !verifyWebhookSignature('another secret value!', down.headers, down.body),
      'and not with another secret',
    );
    assert.equal(down.payload.monitor.name, 'checkout');
    await publish(monitor, 'up', 1);
    await waitFor('the up alert', () => receiver.of(monitor.id, 'up')[0]);
    await settled(monitor);
    assert.equal(receiver.of(monitor.id).length, 2, 'one down and one up, nothing else');
  });

  it('should open once and resolve once for a flapping target under the 4-of-5 rule', async () => {
    const monitor = await monitorWith('flapping', {
      alertPolicy: { failuresToOpen: 4, windowSize: 5, successesToResolve: 3 },
    });
    const outcomes = [
      'up',
      'down',
      'up',
      'down',
      'down',
      'down',
      'up',
      'down',
      'up',
      'up',
      'up',
      'down',
      'up',
    ] as const;
    for (const [minute, outcome] of outcomes.entries()) await publish(monitor, outcome, minute);
    await waitFor('the up alert', () => receiver.of(monitor.id, 'up')[0]);
    await settled(monitor);
    const incidents = await pipeline.api.get<{ items: { state: string }[] }>(
      `/api/v1/monitors/${monitor.id}/incidents`,
      token,
    );
    assert.deepEqual(
      incidents.body.items.map((i) => i.state),
      ['resolved'],
    );
    assert.deepEqual(
      receiver.of(monitor.id).map((d) => d.payload.alert.kind),
      ['down', 'up'],
    );
  });

  it('should decide per monitor when a burst of results for several monitors lands in one batch', async () => {
    const monitors = await Promise.all(
      ['burst-a', 'burst-b', 'burst-c'].map((n) => monitorWith(n)),
    );
    // Published without waiting in between: the notifier fetches them together, interleaved.
    const sent: Promise<string>[] = [];
    for (const [minute, outcome] of (['up', 'down', 'down', 'up', 'up'] as const).entries())
      for (const monitor of monitors) sent.push(publish(monitor, outcome, minute));
    await Promise.all(sent);
    for (const monitor of monitors)
      await waitFor(`the up alert of ${monitor.name}`, () => receiver.of(monitor.id, 'up')[0]);
    for (const monitor of monitors) await settled(monitor);
    for (const monitor of monitors) {
      const incidents = await pipeline.api.get<{ items: { state: string }[] }>(
        `/api/v1/monitors/${monitor.id}/incidents`,
        token,
      );
      assert.deepEqual(
        incidents.body.items.map((i) => i.state),
        ['resolved'],
        monitor.name,
      );
      assert.deepEqual(
        receiver.of(monitor.id).map((d) => d.payload.alert.kind),
        ['down', 'up'],
        monitor.name,
      );
    }
  });

  it('should retry a failing receiver with backoff and record every attempt', async () => {
    const monitor = await monitorWith('retried');
    receiver.failNext = 2;
    await publish(monitor, 'down', 0);
    type StoredAlert = { attempts: number; status: string; attempt_log: { ok: boolean }[] };
    const stored = async () =>
      (
        await query<StoredAlert>(
          pipeline.db.url,
          `select attempts, status, attempt_log from notifier.alerts where monitor_id = $1 and kind = 'down'`,
          [monitor.id],
        )
      )[0];
    // The receiver holds the delivery before the notifier has recorded it: wait for the record.
    const alert = await waitFor(
      'the delivery after two failures, recorded',
      async () => {
        const row = await stored();
        return row && row.status !== 'pending' ? row : undefined;
      },
      15_000,
    );
    assert.equal(alert.attempts, 3);
    assert.equal(alert.status, 'sent');
    assert.deepEqual(
      alert.attempt_log.map((a) => a.ok),
      [false, false, true],
    );
    assert.equal(receiver.of(monitor.id, 'down').length, 1);
  });

  it('should send nothing twice when the notifier restarts mid-incident and results are redelivered', async () => {
    const monitor = await monitorWith('restarted');
    const downId = await publish(monitor, 'down', 0);
    await waitFor('the down alert', () => receiver.of(monitor.id, 'down')[0]);
    await pipeline.notifier!.close();
    await pipeline.startNotifier();
    await publish(monitor, 'down', 0, downId);
    await publish(monitor, 'down', 1);
    await publish(monitor, 'up', 2);
    await waitFor('the up alert', () => receiver.of(monitor.id, 'up')[0]);
    await settled(monitor);
    assert.deepEqual(
      receiver.of(monitor.id).map((d) => d.payload.alert.kind),
      ['down', 'up'],
    );
  });

  /** The monitor's row version: PostgreSQL changes it with every write to the row. */
  const rowVersion = async (monitor: Monitor) =>
    (
      await query<{ v: string }>(
        pipeline.db.url,
        'select xmin::text as v from notifier.monitor_alert_states where monitor_id = $1',
        [monitor.id],
      )
    )[0]?.v;

  it('should write nothing for results that leave a quiet monitor quiet, and still alert', async () => {
    const monitor = await monitorWith('quiet', {
      alertPolicy: { failuresToOpen: 2, windowSize: 3, successesToResolve: 2 },
    });
    await publish(monitor, 'up', 0);
    await settled(monitor);
    const seen = await rowVersion(monitor);
    assert.ok(seen, 'the monitor has a row');
    for (let minute = 1; minute <= 12; minute++) await publish(monitor, 'up', minute);
    await settled(monitor);
    assert.equal(await rowVersion(monitor), seen, 'twelve successes wrote nothing');
    // The successes taken in memory are replayed on the row with the first result that matters.
    await publish(monitor, 'down', 13);
    await settled(monitor);
    const [stored] = await query<{ window: { scheduledAt: string; outcome: string }[] }>(
      pipeline.db.url,
      `select state->'window' as window from notifier.monitor_alert_states where monitor_id = $1`,
      [monitor.id],
    );
    assert.deepEqual(
      stored!.window.map((c) => [new Date(c.scheduledAt).getUTCMinutes(), c.outcome]),
      [
        [11, 'up'],
        [12, 'up'],
        [13, 'down'],
      ],
    );
    await publish(monitor, 'down', 14);
    await waitFor('the down alert', () => receiver.of(monitor.id, 'down')[0]);
    await publish(monitor, 'up', 15);
    await publish(monitor, 'up', 16);
    await waitFor('the up alert', () => receiver.of(monitor.id, 'up')[0]);
    await settled(monitor);
    assert.deepEqual(
      receiver.of(monitor.id).map((d) => d.payload.alert.kind),
      ['down', 'up'],
    );
  });

  it('should alert once after a restart that lost the successes taken in memory', async () => {
    const monitor = await monitorWith('quiet-restarted', {
      alertPolicy: { failuresToOpen: 2, windowSize: 3, successesToResolve: 2 },
    });
    for (let minute = 0; minute <= 5; minute++) await publish(monitor, 'up', minute);
    await settled(monitor);
    await pipeline.notifier!.close();
    await pipeline.startNotifier();
    await publish(monitor, 'down', 6);
    await publish(monitor, 'up', 7);
    await publish(monitor, 'down', 8);
    await publish(monitor, 'down', 9);
    await waitFor('the down alert', () => receiver.of(monitor.id, 'down')[0]);
    // Restarted with the incident open: its state is read from the row again.
    await pipeline.notifier!.close();
    await pipeline.startNotifier();
    await publish(monitor, 'up', 10);
    await publish(monitor, 'up', 11);
    await waitFor('the up alert', () => receiver.of(monitor.id, 'up')[0]);
    await settled(monitor);
    assert.deepEqual(
      receiver.of(monitor.id).map((d) => d.payload.alert.kind),
      ['down', 'up'],
    );
  });

  it('should remind every renotifyMinutes while the incident stays open', async () => {
    const monitor = await monitorWith('reminded', { alertPolicy: { renotifyMinutes: 5 } });
    await publish(monitor, 'down', 0);
    await waitFor('the down alert', () => receiver.of(monitor.id, 'down')[0]);
    const clock = pipeline.notifier!.app.get(ReminderClock, { strict: false });
    const later = (minutes: number) => new Date(Date.now() + minutes * 60_000);
    assert.equal(await clock.tick(later(4)), 0, 'not before five minutes');
    assert.ok((await clock.tick(later(6))) >= 1);
    assert.equal(await clock.tick(later(7)), 0, 'not again within the next five minutes');
    await waitFor('the reminder', () => receiver.of(monitor.id, 'reminder')[0]);
    assert.equal(receiver.of(monitor.id, 'reminder').length, 1);
  });

  it('should page alerts and incidents newest first, each once, and answer 400 naming cursor to a forged one', async () => {
    const monitor = await monitorWith('paged');
    for (const [minute, outcome] of (['down', 'up', 'down', 'up'] as const).entries()) {
      await publish(monitor, outcome, minute);
      await waitFor(`alert ${minute + 1}`, () => receiver.of(monitor.id).length === minute + 1);
    }
    type Listed = { items: { id: string; createdAt?: string; startedAt?: string }[] };
    const pageThrough = async (path: string) => {
      const ids: string[] = [];
      const times: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const res = await pipeline.api.get<Listed & { nextCursor: string | null }>(
          `${path}limit=1${query}`,
          token,
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        ids.push(...res.body.items.map((i) => i.id));
        times.push(...res.body.items.map((i) => (i.createdAt ?? i.startedAt)!));
        cursor = res.body.nextCursor;
      } while (cursor);
      assert.equal(new Set(ids).size, ids.length, `${path}: no item twice`);
      assert.deepEqual(times, [...times].sort().reverse(), `${path}: newest first`);
      return ids;
    };
    await waitFor('all four alerts recorded', async () => {
      const res = await pipeline.api.get<Listed>(`/api/v1/alerts?monitorId=${monitor.id}`, token);
      return res.body.items.length === 4;
    });
    assert.equal((await pageThrough(`/api/v1/alerts?monitorId=${monitor.id}&`)).length, 4);
    assert.equal((await pageThrough(`/api/v1/monitors/${monitor.id}/incidents?`)).length, 2);
    const forged = Buffer.from(JSON.stringify({ t: 'yesterday', id: 'x' })).toString('base64url');
    for (const path of [`/api/v1/alerts?monitorId=${monitor.id}&`, '/api/v1/incidents?']) {
      const res = await pipeline.api.get<{ errors: { field: string }[] }>(
        `${path}cursor=${forged}`,
        token,
      );
      assert.equal(res.status, 400, path);
      assert.deepEqual(
        res.body.errors.map((e) => e.field),
        ['cursor'],
      );
    }
  });

  it('should list alerts by monitor and channel, and delete them by id, monitor and channel', async () => {
    const monitor = await monitorWith('history');
    await publish(monitor, 'down', 0);
    await publish(monitor, 'up', 1);
    await waitFor('two alerts', () => receiver.of(monitor.id).length === 2);
    type Alerts = {
      items: { id: string; kind: string; status: string; attempts: number; channelId: string }[];
    };
    // The receiver counts a delivery before the notifier has heard its answer and recorded it.
    const byMonitor = await waitFor('both alerts recorded', async () => {
      const res = await pipeline.api.get<Alerts>(`/api/v1/alerts?monitorId=${monitor.id}`, token);
      return res.body.items.every((a) => a.status !== 'pending') && res;
    });
    assert.deepEqual(byMonitor.body.items.map((a) => a.kind).sort(), ['down', 'up']);
    assert.ok(
      byMonitor.body.items.every(
        (a) => a.status === 'sent' && a.attempts === 1 && a.channelId === webhookId,
      ),
    );
    const byChannel = await pipeline.api.get<Alerts>(
      `/api/v1/alerts?channelId=${webhookId}&limit=500`,
      token,
    );
    assert.ok(byChannel.body.items.length >= 2);
    assert.equal((await pipeline.api.get(`/api/v1/alerts?monitorId=nope`, token)).status, 400);
    assert.equal(
      (await pipeline.api.delete(`/api/v1/alerts/${byMonitor.body.items[0]!.id}`, token)).status,
      204,
    );
    assert.equal(
      (await pipeline.api.delete(`/api/v1/alerts/${byMonitor.body.items[0]!.id}`, token)).status,
      404,
    );
    assert.equal(
      (await pipeline.api.delete(`/api/v1/alerts?monitorId=${monitor.id}`, token)).status,
      204,
    );
    assert.deepEqual(
      (await pipeline.api.get<Alerts>(`/api/v1/alerts?monitorId=${monitor.id}`, token)).body.items,
      [],
    );
    assert.equal(
      (await pipeline.api.delete(`/api/v1/alerts?channelId=${webhookId}`, token)).status,
      204,
    );
    assert.deepEqual(
      (await pipeline.api.get<Alerts>(`/api/v1/alerts?channelId=${webhookId}`, token)).body.items,
      [],
    );
    assert.equal((await pipeline.api.delete('/api/v1/alerts', token)).status, 400);
  });

  it('should email a styled HTML and a plain-text message naming the monitor and the cause', async () => {
    const email = await pipeline.api.post<{ id: string }>(
      '/api/v1/channels',
      { name: 'ops mail', type: 'email', config: { to: ['ops@example.test'] } },
      token,
    );
    assert.equal(email.status, 201, JSON.stringify(email.body));
    const monitor = await monitorWith('billing', { channelIds: [email.body.id] });
    await publish(monitor, 'down', 0);
    const raw = await waitFor('the email', () => mails.find((m) => m.includes('billing')));
    const mail = await simpleParser(raw);
    assert.match(mail.subject ?? '', /billing/);
    assert.match(mail.subject ?? '', /down/i);
    assert.ok(mail.html && mail.text, 'both parts');
    assert.match(mail.text ?? '', /503/);
    assert.match(String(mail.html), /billing/);
  });

  it("should answer 404 to alert filters and deletions naming another user's or an unknown monitor or channel", async () => {
    const monitor = await monitorWith('guarded');
    await publish(monitor, 'down', 0);
    await waitFor('the down alert', () => receiver.of(monitor.id, 'down')[0]);
    const stranger = (await pipeline.api.newUser('alert-stranger')).accessToken;
    const unknown = randomUUID();
    const refused: [string, string, string][] = [
      ['GET', `monitorId=${monitor.id}`, stranger],
      ['GET', `channelId=${webhookId}`, stranger],
      ['GET', `monitorId=${monitor.id}&channelId=${webhookId}`, stranger],
      ['DELETE', `monitorId=${monitor.id}`, stranger],
      ['DELETE', `channelId=${webhookId}`, stranger],
      ['GET', `monitorId=${unknown}`, token],
      ['GET', `channelId=${unknown}`, token],
      ['DELETE', `monitorId=${unknown}`, token],
      ['DELETE', `channelId=${unknown}`, token],
    ];
    for (const [method, filter, caller] of refused) {
      const res = await pipeline.api.request<{ status: number; detail: string }>(
        method,
        `/api/v1/alerts?${filter}`,
        { token: caller },
      );
      const what = `${method} ?${filter} by ${caller === token ? 'the owner' : 'a stranger'}`;
      assert.equal(res.status, 404, what);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/, what);
    }
    const kept = await pipeline.api.get<{ items: { kind: string }[] }>(
      `/api/v1/alerts?monitorId=${monitor.id}`,
      token,
    );
    assert.deepEqual(
      kept.body.items.map((a) => a.kind),
      ['down'],
      "the stranger's deletions changed nothing",
    );
    // Incidents: a monitor's are under the monitor, which is the owner's only; the list takes no
    // monitor filter, and says so by name rather than ignoring it.
    assert.equal(
      (await pipeline.api.get(`/api/v1/monitors/${monitor.id}/incidents`, stranger)).status,
      404,
    );
    const filtered = await pipeline.api.get<{ errors: { field: string }[] }>(
      `/api/v1/incidents?monitorId=${monitor.id}`,
      stranger,
    );
    assert.equal(filtered.status, 400);
    assert.deepEqual(
      filtered.body.errors.map((e) => e.field),
      ['monitorId'],
    );
    // A monitor of the caller's that the notifier has not projected yet: the registry vouches.
    const fresh = await monitorWith('unprojected');
    await query(
      pipeline.db.url,
      'delete from notifier.monitor_alert_states where monitor_id = $1',
      [fresh.id],
    );
    const empty = await pipeline.api.get<{ items: unknown[] }>(
      `/api/v1/alerts?monitorId=${fresh.id}`,
      token,
    );
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.deepEqual(empty.body.items, []);
  });

  it('should still list and delete the alerts of a channel and a monitor the caller deleted', async () => {
    const retired = await pipeline.api.post<{ id: string }>(
      '/api/v1/channels',
      { name: 'retired', type: 'webhook', config: { url: receiver.url, secret } },
      token,
    );
    const monitor = await monitorWith('retiring', { channelIds: [retired.body.id] });
    await publish(monitor, 'down', 0);
    await waitFor('the down alert', () => receiver.of(monitor.id, 'down')[0]);
    assert.equal((await pipeline.api.delete(`/api/v1/monitors/${monitor.id}`, token)).status, 204);
    assert.equal(
      (await pipeline.api.delete(`/api/v1/channels/${retired.body.id}`, token)).status,
      204,
    );
    type Alerts = { items: { kind: string }[] };
    const byMonitor = await pipeline.api.get<Alerts>(
      `/api/v1/alerts?monitorId=${monitor.id}`,
      token,
    );
    assert.equal(byMonitor.status, 200, JSON.stringify(byMonitor.body));
    assert.deepEqual(
      byMonitor.body.items.map((a) => a.kind),
      ['down'],
    );
    assert.equal(
      (await pipeline.api.delete(`/api/v1/alerts?channelId=${retired.body.id}`, token)).status,
      204,
    );
    // The notifier forgets the monitor when the registry's deletion event reaches it.
    await waitFor(
      'no alert, monitor or channel of the caller left under this id: a 404',
      async () =>
        (await pipeline.api.get(`/api/v1/alerts?monitorId=${monitor.id}`, token)).status === 404,
    );
  });

  it("should refuse a monitor naming a channel that is not the caller's", async () => {
    const stranger = await pipeline.api.newUser('channel-thief');
    const res = await pipeline.api.post<{ errors: { field: string }[] }>(
      '/api/v1/monitors',
      { name: 'thief', url: 'https://thief.example.test/', channelIds: [webhookId] },
      stranger.accessToken,
    );
    assert.equal(res.status, 400);
    assert.deepEqual(
      res.body.errors.map((e) => e.field),
      ['channelIds[0]'],
    );
  });

  it('should drop a deleted channel from the monitors that listed it', async () => {
    const monitor = await monitorWith('unhooked');
    const channel = await pipeline.api.post<{ id: string }>(
      '/api/v1/channels',
      { name: 'temporary', type: 'webhook', config: { url: receiver.url, secret } },
      token,
    );
    await pipeline.api.patch(
      `/api/v1/monitors/${monitor.id}`,
      { channelIds: [webhookId, channel.body.id] },
      token,
    );
    assert.equal(
      (await pipeline.api.delete(`/api/v1/channels/${channel.body.id}`, token)).status,
      204,
    );
    // The registry applies the deletion from CHANNEL_EVENTS, a moment after the 204.
    await waitFor('the monitor to drop the channel', async () => {
      const after = await pipeline.api.get<Monitor>(`/api/v1/monitors/${monitor.id}`, token);
      return JSON.stringify(after.body.channelIds) === JSON.stringify([webhookId]);
    });
    assert.equal(
      (await pipeline.api.get(`/api/v1/channels/${channel.body.id}`, token)).status,
      404,
    );
  });
});
