import { type CheckResult, checkResultSubject, type Monitor } from '@uptime/contracts';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TELEMETRY } from '@uptime/health';
import type { Registry } from 'prom-client';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { query } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const MAX_ATTEMPTS = 4;
const BASE_MS = 200;
/** Longer than every backoff of these tests: a retry this late came from Retry-After. */
const RETRY_AFTER_S = 1;

/** A loopback receiver answering each path with a fixed status, counting requests per path. */
class RefusingReceiver {
  readonly requests = new Map<string, number>();
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(statusOf: (path: string) => number): Promise<RefusingReceiver> {
    const holder: { r?: RefusingReceiver } = {};
    const server = createServer((req, res) => {
      const path = req.url ?? '/';
      req.resume();
      req.on('end', () => {
        holder.r!.requests.set(path, (holder.r!.requests.get(path) ?? 0) + 1);
        const status = statusOf(path);
        // A rate limit says how long to wait, as Discord, Telegram and PagerDuty do.
        res.writeHead(status, status === 429 ? { 'retry-after': String(RETRY_AFTER_S) } : {}).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.r = new RefusingReceiver(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    );
    return holder.r;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface StoredAlert {
  attempts: number;
  status: string;
  attempt_log: { at: string; ok: boolean }[];
  next_attempt_at: Date | null;
}

describe('alert delivery retries', () => {
  const pipeline = new Pipeline();
  let receiver: RefusingReceiver;
  let nc: NatsConnection;
  let token: string;

  /** A monitor alerting one webhook channel at `path`, and one down result for it. */
  async function downAlertTo(path: string): Promise<Monitor> {
    const channel = await pipeline.api.post<{ id: string }>(
      '/api/v1/channels',
      {
        name: `hook ${path}`,
        type: 'webhook',
        config: { url: `${receiver.baseUrl}${path}`, secret: 'a-webhook-secret-of-some-length' },
      },
      token,
    );
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    const created = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      {
        name: path.slice(1),
        url: `https://${path.slice(1)}.example.test/`,
        regions: [pipeline.region],
        channelIds: [channel.body.id],
      },
      token,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const monitor = created.body;
    const at = new Date().toISOString();
    const id = randomUUID();
    const result: CheckResult = {
      id,
      monitorId: monitor.id,
      ownerId: monitor.ownerId,
      region: pipeline.region,
      scheduledAt: at,
      startedAt: at,
      outcome: 'down',
      errorKind: 'http_status',
      httpStatus: 503,
      latencyMs: 12,
      timings: { dnsMs: 0, connectMs: 1, tlsMs: null, firstByteMs: 10, transferMs: 1 },
      sizeBytes: 20,
      message: 'HTTP status 503, expected 200-299',
      assertions: [{ type: 'status', expected: ['200-299'], actual: 503, passed: false }],
      certificateExpiresAt: null,
      onDemand: false,
      inMaintenance: false,
    };
    await nc
      .jetstream()
      .publish(checkResultSubject(pipeline.region), JSONCodec().encode(result), { msgID: id });
    return monitor;
  }

  const failedAlertOf = (monitor: Monitor) =>
    waitFor(
      'the alert given up',
      async () => {
        const [alert] = await query<StoredAlert & Record<string, unknown>>(
          pipeline.db.url,
          `select attempts, status, attempt_log, next_attempt_at from notifier.alerts
            where monitor_id = $1 and kind = 'down'`,
          [monitor.id],
        );
        return alert?.status === 'failed' ? alert : undefined;
      },
      15_000,
    );

  before(async () => {
    pipeline.notifierOverrides = { alertMaxAttempts: MAX_ATTEMPTS, alertRetryBaseMs: BASE_MS };
    await pipeline.start({ probers: 0, schedulers: 0 });
    receiver = await RefusingReceiver.start((path) =>
      path === '/gone' ? 404 : path === '/rate-limited' ? 429 : 503,
    );
    nc = await connect({ servers: NATS_URL });
    token = (await pipeline.api.newUser('alert-retries')).accessToken;
  });
  after(async () => {
    await nc?.close();
    await pipeline.stop();
    await receiver?.close();
  });

  it('should space attempts by ALERT_RETRY_BASE_MS·2ⁿ and give up as failed after ALERT_MAX_ATTEMPTS', async () => {
    const monitor = await downAlertTo('/unavailable');
    const alert = await failedAlertOf(monitor);
    assert.equal(alert.attempts, MAX_ATTEMPTS);
    assert.equal(alert.next_attempt_at, null, 'a failed alert has no next attempt');
    assert.deepEqual(
      alert.attempt_log.map((a) => a.ok),
      Array<boolean>(MAX_ATTEMPTS).fill(false),
    );
    assert.equal(receiver.requests.get('/unavailable'), MAX_ATTEMPTS);
    const times = alert.attempt_log.map((a) => Date.parse(a.at));
    for (let n = 1; n < times.length; n++) {
      const gap = times[n]! - times[n - 1]!;
      const backoff = BASE_MS * 2 ** (n - 1);
      assert.ok(
        gap >= backoff,
        `attempt ${n + 1} came ${gap} ms after the last, before ${backoff} ms`,
      );
    }
  });

  it('should stop at once, as failed, when the receiver refuses for good (4xx)', async () => {
    const monitor = await downAlertTo('/gone');
    const alert = await failedAlertOf(monitor);
    assert.equal(alert.attempts, 1);
    assert.equal(alert.next_attempt_at, null);
    assert.equal(receiver.requests.get('/gone'), 1);
  });

  it('should wait as long as a 429 asks (Retry-After) when that is longer than the backoff', async () => {
    const monitor = await downAlertTo('/rate-limited');
    const alert = await failedAlertOf(monitor);
    assert.equal(alert.attempts, MAX_ATTEMPTS);
    const times = alert.attempt_log.map((a) => Date.parse(a.at));
    for (let n = 1; n < times.length; n++) {
      const gap = times[n]! - times[n - 1]!;
      assert.ok(gap >= RETRY_AFTER_S * 1000, `attempt ${n + 1} came ${gap} ms after the last`);
    }
  });

  it('should count attempts by channel type and outcome', async () => {
    const registry = pipeline.notifier!.app.get<Registry>(TELEMETRY, { strict: false });
    const metric = await registry.getSingleMetric('uptime_notifier_delivery_attempts_total')?.get();
    const count = (outcome: string) =>
      metric?.values.find((v) => v.labels.type === 'webhook' && v.labels.outcome === outcome)
        ?.value ?? 0;
    // The retry test's 4 attempts, the 4xx's 1, the 429's 4: each retried but the last.
    assert.ok(count('failed') >= 3, JSON.stringify(metric?.values));
    assert.ok(count('retry') >= 2 * (MAX_ATTEMPTS - 1), JSON.stringify(metric?.values));
  });
});
