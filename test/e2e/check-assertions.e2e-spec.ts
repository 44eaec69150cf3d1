import { type CheckResult, checkResultSubject, type Monitor } from '@uptime/contracts';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { TargetServer } from '../support/target-server';
import { waitFor } from '../support/wait-for';

interface Page {
  items: CheckResult[];
  nextCursor: string | null;
}

/** Records every body posted to it, by path: stands in for a webhook receiver and for Slack. */
class Receiver {
  readonly bodies: { path: string; body: string }[] = [];
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<Receiver> {
    const holder: { r?: Receiver } = {};
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        holder.r!.bodies.push({ path: req.url ?? '/', body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.r = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.r;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('structured check results', () => {
  const pipeline = new Pipeline();
  let target: TargetServer;
  let receiver: Receiver;
  let nc: NatsConnection;
  let token: string;
  let channelIds: string[];

  const createMonitor = async (name: string, body: Record<string, unknown>): Promise<Monitor> => {
    const res = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      { name, url: target.url(name), regions: [pipeline.region], ...body },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    target = await TargetServer.start();
    receiver = await Receiver.start();
    await pipeline.start({ probers: 1, schedulers: 0 });
    nc = await connect({ servers: NATS_URL });
    token = (await pipeline.api.newUser('check-assertions')).accessToken;
    const channels = [
      {
        name: 'hook',
        type: 'webhook',
        config: { url: `${receiver.baseUrl}/hook`, secret: 'a-webhook-secret-of-some-length' },
      },
      { name: 'slack', type: 'slack', config: { webhookUrl: `${receiver.baseUrl}/slack` } },
    ];
    channelIds = [];
    for (const channel of channels) {
      const res = await pipeline.api.post<{ id: string }>('/api/v1/channels', channel, token);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      channelIds.push(res.body.id);
    }
  });
  after(async () => {
    await nc?.close();
    await pipeline.stop();
    await Promise.all([target?.close(), receiver?.close()]);
  });

  it('should answer and store what a real check verified, rule by rule', async () => {
    target.set('wrong', 'wrong-keyword');
    const monitor = await createMonitor('wrong', {
      keyword: 'healthy',
      assertions: [{ type: 'jsonPath', path: '$.status', operator: 'equals', value: 'healthy' }],
      maxLatencyMs: 9_000,
    });
    const res = await pipeline.api.post<CheckResult>(
      `/api/v1/monitors/${monitor.id}/check`,
      undefined,
      token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.errorKind, 'keyword');
    const [status, keyword, jsonPath, latency] = res.body.assertions;
    assert.deepEqual(status, { type: 'status', expected: ['200-299'], actual: 200, passed: true });
    assert.deepEqual(keyword, {
      type: 'keyword',
      target: 'present',
      expected: 'healthy',
      actual: 'not found',
      passed: false,
    });
    assert.deepEqual(jsonPath, {
      type: 'json_path',
      target: '$.status',
      expected: { operator: 'equals', value: 'healthy' },
      actual: 'degraded-mode',
      passed: false,
    });
    assert.deepEqual(latency, {
      type: 'latency',
      expected: 9_000,
      actual: res.body.latencyMs,
      passed: true,
    });
    assert.equal(res.body.assertions.length, 4);

    const stored = await waitFor('the check stored', async () => {
      const page = await pipeline.api.get<Page>(`/api/v1/monitors/${monitor.id}/checks`, token);
      return page.body.items.find((c) => c.id === res.body.id);
    });
    assert.deepEqual(stored.assertions, res.body.assertions);
  });

  /** One down result for a new monitor alerting both channels, worded as given. */
  const downWith = async (name: string, result: Partial<CheckResult>): Promise<Monitor> => {
    const monitor = await createMonitor(name, { channelIds });
    const id = randomUUID();
    const at = '2026-01-01T00:00:00.000Z';
    const check: CheckResult = {
      id,
      monitorId: monitor.id,
      ownerId: monitor.ownerId,
      region: pipeline.region,
      scheduledAt: at,
      startedAt: at,
      outcome: 'down',
      errorKind: null,
      httpStatus: null,
      latencyMs: 12,
      timings: { dnsMs: 0, connectMs: 1, tlsMs: null, firstByteMs: 10, transferMs: 1 },
      sizeBytes: 20,
      message: null,
      assertions: [],
      certificateExpiresAt: null,
      onDemand: false,
      inMaintenance: false,
      ...result,
    };
    await nc
      .jetstream()
      .publish(checkResultSubject(pipeline.region), JSONCodec().encode(check), { msgID: id });
    return monitor;
  };

  /** What each channel received for the monitor, with what differs between monitors masked. */
  const alertsFor = async (monitor: Monitor): Promise<string[]> => {
    const mine = await waitFor(`both alerts of ${monitor.name}`, async () => {
      const found = receiver.bodies.filter((b) => b.body.includes(monitor.id));
      return found.length >= 2 ? found : undefined;
    });
    return mine
      .map(({ path, body }) => {
        const payload = JSON.parse(body) as { alert?: { id: string }; incident?: { id: string } };
        let text = `${path} ${body}`
          .replaceAll(monitor.id, '<monitor>')
          .replaceAll(monitor.name, '<name>')
          .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
          .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g, '<time>')
          .replace(/<!date\^\d+\^/g, '<!date^<seconds>^');
        for (const id of [payload.alert?.id, payload.incident?.id]) {
          if (id) text = text.replaceAll(id, '<id>');
        }
        return text;
      })
      .sort();
  };

  const rewordings: [string, Partial<CheckResult>, string, string, string][] = [
    [
      'status',
      {
        errorKind: 'http_status',
        httpStatus: 503,
        assertions: [{ type: 'status', expected: ['200-299'], actual: 503, passed: false }],
      },
      'status 503 does not match expected 200-299',
      'the server answered 503 where 2xx was wanted',
      'HTTP status 503, expected 200-299',
    ],
    [
      'keyword',
      {
        errorKind: 'keyword',
        httpStatus: 200,
        assertions: [
          { type: 'status', expected: ['200-299'], actual: 200, passed: true },
          {
            type: 'keyword',
            target: 'present',
            expected: 'healthy',
            actual: 'not found',
            passed: false,
          },
        ],
      },
      'keyword "healthy" not found in the body',
      'could not see healthy anywhere',
      "keyword 'healthy' missing",
    ],
    [
      'timeout',
      {
        errorKind: 'timeout',
        latencyMs: 10_002,
        assertions: [{ type: 'latency', target: 'response', expected: 10_000, passed: false }],
      },
      'timed out after 10000 ms waiting for the response',
      'no reply in ten seconds',
      'timeout: no answer within 10000 ms (waiting for the response)',
    ],
  ];
  for (const [what, result, message, reworded, cause] of rewordings) {
    it(`should send the same ${what} alerts whatever the check's message says`, async () => {
      const original = await downWith(`${what}-original`, { ...result, message });
      const rewritten = await downWith(`${what}-reworded`, { ...result, message: reworded });
      const [sent, resent] = [await alertsFor(original), await alertsFor(rewritten)];
      assert.deepEqual(resent, sent);
      const all = sent.join('\n');
      assert.ok(!all.includes(message), 'no alert quotes the check message');
      assert.equal(sent.length, 2, 'one webhook and one Slack message');
      for (const alert of sent) assert.ok(alert.includes(cause), `${alert} names ${cause}`);
      const opened = async (monitor: Monitor) => {
        const res = await pipeline.api.get<{ items: { timeline: { message: string }[] }[] }>(
          `/api/v1/monitors/${monitor.id}/incidents`,
          token,
        );
        return res.body.items[0]?.timeline[0]?.message;
      };
      assert.equal(await opened(original), cause, 'the incident timeline says it alike');
      assert.equal(await opened(rewritten), cause);
    });
  }
});
