import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeliveryError, validateChannelConfig } from '../channel-provider';
import { type Answer, type Receiver, sampleAlert, startReceiver } from '../test-support';
import { type PagerDutyEvent, PagerDutyProvider } from './pagerduty-provider';

const ROUTING_KEY = 'R0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5';
const INCIDENT_ID = sampleAlert().incident!.id;
/** Validation alone opens no connection: one provider serves every spec. */
const validator = new PagerDutyProvider();

/**
 * Stands in for events.pagerduty.com: answers as the Events API v2 documents (202 with
 * `{ status, message, dedup_key }`, 400 for an invalid event), checking what a real one checks.
 */
function pagerDutyAnswer(body: string): { status: number; body: string } {
  const event = JSON.parse(body) as Partial<PagerDutyEvent>;
  const valid =
    typeof event.routing_key === 'string' &&
    event.routing_key.length === 32 &&
    (event.event_action === 'trigger' || event.event_action === 'resolve') &&
    typeof event.dedup_key === 'string' &&
    (event.event_action === 'resolve' ||
      (typeof event.payload?.summary === 'string' &&
        typeof event.payload.source === 'string' &&
        ['critical', 'error', 'warning', 'info'].includes(event.payload.severity ?? '')));
  if (!valid)
    return { status: 400, body: '{"status":"invalid event","message":"Event object is invalid"}' };
  return {
    status: 202,
    body: JSON.stringify({
      status: 'success',
      message: 'Event processed',
      dedup_key: event.dedup_key,
    }),
  };
}

describe('PagerDutyProvider.send', () => {
  let receiver: Receiver;
  let provider: PagerDutyProvider;
  let status: number | null = null;

  before(async () => {
    receiver = await startReceiver((req): Answer => {
      if (req.path !== '/v2/enqueue') return { status: 404 };
      if (status !== null) return { status, headers: { 'retry-after': '7' } };
      return { ...pagerDutyAnswer(req.body), headers: { 'content-type': 'application/json' } };
    });
    // PAGERDUTY_EVENTS_URL: the operator points the provider at the local stand-in.
    provider = new PagerDutyProvider({ timeoutMs: 2000, eventsUrl: `${receiver.url}/v2/enqueue` });
  });
  after(async () => {
    await provider.close();
    await receiver.close();
  });

  const lastEvent = () => {
    const request = receiver.requests.at(-1);
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['content-type'], 'application/json');
    return JSON.parse(request.body) as PagerDutyEvent;
  };

  it('should trigger with the incident id as dedup key and the documented payload', async () => {
    const config = validConfig({ routingKey: ROUTING_KEY });
    await provider.send(config, sampleAlert());
    const event = lastEvent();
    assert.equal(event.routing_key, ROUTING_KEY);
    assert.equal(event.event_action, 'trigger');
    assert.equal(event.dedup_key, INCIDENT_ID);
    assert.ok(event.payload);
    assert.equal(event.payload.summary, '[DOWN] Checkout API is down');
    assert.equal(event.payload.source, 'https://api.example.com/checkout/health');
    assert.equal(event.payload.severity, 'critical');
    assert.equal(event.payload.timestamp, '2025-03-01T12:00:00.000Z');
    assert.equal(event.payload.class, 'http_status');
    assert.equal(event.payload.custom_details.Cause, 'HTTP status 503, expected 200-299');
    assert.equal(event.client_url, sampleAlert().monitorLink);
    assert.deepEqual(event.links, [{ href: sampleAlert().monitorLink, text: 'Open monitor' }]);
  });

  it('should re-trigger a reminder with the same dedup key, and resolve with it on recovery', async () => {
    const config = validConfig({ routingKey: ROUTING_KEY });
    await provider.send(config, sampleAlert({ kind: 'reminder', durationMs: 900_000 }));
    const reminder = lastEvent();
    assert.equal(reminder.event_action, 'trigger');
    assert.equal(reminder.dedup_key, INCIDENT_ID);
    assert.equal(reminder.payload?.custom_details['Open for'], '15m');

    const incident = { ...sampleAlert().incident!, resolvedAt: '2025-03-01T12:04:12.000Z' };
    await provider.send(config, sampleAlert({ kind: 'up', incident, durationMs: 252_000 }));
    assert.deepEqual(lastEvent(), {
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: INCIDENT_ID,
    });
  });

  it('should use the configured severity for outages, warning for slowness, info for a test', async () => {
    const config = validConfig({ routingKey: ROUTING_KEY, severity: 'error' });
    await provider.send(config, sampleAlert());
    assert.equal(lastEvent().payload?.severity, 'error');
    await provider.send(config, sampleAlert({ kind: 'degraded' }));
    assert.equal(lastEvent().payload?.severity, 'warning');
    await provider.send(config, sampleAlert({ kind: 'test', incident: null }));
    const test = lastEvent();
    assert.equal(test.payload?.severity, 'info');
    assert.equal(test.dedup_key, `test-${sampleAlert().alertId}`);
  });

  it('should report a refused event as permanent and a 429 as retryable after Retry-After, never with the key', async () => {
    await assert.rejects(
      provider.send({ routingKey: 'x'.repeat(31), severity: 'critical' }, sampleAlert()),
      (err: unknown) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.status, 400);
        assert.equal(err.retryable, false);
        assert.equal(err.message, 'PagerDuty answered HTTP 400 Bad Request');
        return true;
      },
    );
    status = 429;
    try {
      await assert.rejects(
        provider.send(validConfig({ routingKey: ROUTING_KEY }), sampleAlert()),
        (err: unknown) => {
          assert.ok(err instanceof DeliveryError);
          assert.equal(err.retryable, true);
          assert.equal(err.retryAfterMs, 7000);
          assert.ok(!err.message.includes(ROUTING_KEY));
          return true;
        },
      );
    } finally {
      status = null;
    }
  });
});

describe('PagerDutyProvider config', () => {
  const provider = validator;
  const cases: [string, unknown, string[]][] = [
    ['a routing key', { routingKey: ROUTING_KEY }, []],
    ['a routing key and a severity', { routingKey: ROUTING_KEY, severity: 'warning' }, []],
    ['a short routing key', { routingKey: 'abc' }, ['config.routingKey']],
    ['no routing key', {}, ['config.routingKey']],
    ['an unknown severity', { routingKey: ROUTING_KEY, severity: 'fatal' }, ['config.severity']],
    // The Events API URL is the operator's: a channel cannot aim its key elsewhere.
    ['a URL of its own', { routingKey: ROUTING_KEY, url: 'http://127.0.0.1/' }, ['config.url']],
  ];
  for (const [what, config, fields] of cases) {
    it(`should ${fields.length ? `reject ${what}, naming ${fields.join(', ')}` : `accept ${what}`}`, () => {
      const result = validateChannelConfig(provider, config);
      assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.field), fields);
    });
  }

  it('should default the severity to critical and never show the routing key', () => {
    const config = validConfig({ routingKey: ROUTING_KEY });
    assert.equal(config.severity, 'critical');
    assert.deepEqual(provider.redact(config), { severity: 'critical' });
  });
});

function validConfig(config: unknown) {
  const result = validateChannelConfig(validator, config);
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}
