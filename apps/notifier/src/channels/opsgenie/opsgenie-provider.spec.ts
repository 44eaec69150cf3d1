import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeliveryError, validateChannelConfig } from '../channel-provider';
import { type ReceivedRequest, type Receiver, sampleAlert, startReceiver } from '../test-support';
import {
  type OpsgenieCloseAlert,
  type OpsgenieCreateAlert,
  OpsgenieProvider,
} from './opsgenie-provider';

const API_KEY = '3f2c9a1e-7b4d-4c8e-9a6f-1d2e3f4a5b6c';
const INCIDENT_ID = sampleAlert().incident!.id;
/** Validation alone opens no connection: one provider serves every spec. */
const validator = new OpsgenieProvider();

/**
 * Stands in for api.opsgenie.com: `GenieKey` authorization or 401, a create needs `message`
 * (at most 130 characters), a close is addressed by alias; both answer 202 with a request id.
 */
function opsgenieAnswer(req: ReceivedRequest): { status: number; body: string } {
  if (req.headers.authorization !== `GenieKey ${API_KEY}`) {
    return { status: 401, body: '{"message":"Key format is not valid!","took":0.0}' };
  }
  const accepted = {
    status: 202,
    body: '{"result":"Request will be processed","took":0.1,"requestId":"r1"}',
  };
  const body = JSON.parse(req.body) as Partial<OpsgenieCreateAlert>;
  if (req.method === 'POST' && req.path === '/v2/alerts') {
    const valid = typeof body.message === 'string' && body.message.length <= 130;
    return valid ? accepted : { status: 422, body: '{"message":"Message can not be empty."}' };
  }
  if (/^\/v2\/alerts\/[^/]+\/close\?identifierType=alias$/.test(req.path)) return accepted;
  return { status: 404, body: '{"message":"not found"}' };
}

describe('OpsgenieProvider.send', () => {
  let us: Receiver;
  let eu: Receiver;
  let provider: OpsgenieProvider;

  before(async () => {
    us = await startReceiver(opsgenieAnswer);
    eu = await startReceiver(opsgenieAnswer, '127.0.0.2');
    // OPSGENIE_API_URL and OPSGENIE_EU_API_URL: the operator's, pointed at local stand-ins.
    provider = new OpsgenieProvider({ timeoutMs: 2000, apiUrl: us.url, euApiUrl: `${eu.url}/` });
  });
  after(async () => {
    await provider.close();
    await us.close();
    await eu.close();
  });

  it('should create an alert aliased by the incident id, with GenieKey authorization', async () => {
    await provider.send(validConfig({ apiKey: API_KEY }), sampleAlert());
    const request = us.requests.at(-1);
    assert.ok(request);
    assert.equal(request.path, '/v2/alerts');
    assert.equal(request.headers.authorization, `GenieKey ${API_KEY}`);
    assert.equal(request.headers['content-type'], 'application/json');
    const alert = JSON.parse(request.body) as OpsgenieCreateAlert;
    assert.equal(alert.alias, INCIDENT_ID);
    assert.equal(alert.message, '[DOWN] Checkout API is down');
    assert.equal(alert.priority, 'P1');
    assert.equal(alert.source, 'Uptime platform');
    assert.equal(alert.entity, 'Checkout API');
    assert.match(
      alert.description,
      /^Monitor: Checkout API\nStatus: Down\nCause: HTTP status 503, expected 200-299\n/,
    );
    assert.equal(alert.details.Cause, 'HTTP status 503, expected 200-299');
    assert.equal(alert.details.link, sampleAlert().monitorLink);
    assert.deepEqual(alert.tags, ['uptime', 'down']);
  });

  it('should close the alert by its alias on recovery, in the configured region', async () => {
    const incident = { ...sampleAlert().incident!, resolvedAt: '2025-03-01T12:04:12.000Z' };
    const before = us.requests.length;
    await provider.send(
      validConfig({ apiKey: API_KEY, region: 'eu' }),
      sampleAlert({ kind: 'up', incident, durationMs: 252_000 }),
    );
    assert.equal(us.requests.length, before, 'an eu channel never talks to the us API');
    const request = eu.requests.at(-1);
    assert.ok(request);
    assert.equal(request.path, `/v2/alerts/${INCIDENT_ID}/close?identifierType=alias`);
    assert.equal(request.headers.authorization, `GenieKey ${API_KEY}`);
    const close = JSON.parse(request.body) as OpsgenieCloseAlert;
    assert.equal(close.source, 'Uptime platform');
    assert.equal(close.note, '[UP] Checkout API is back up after 4m 12s');
  });

  it('should send reminders with the same alias and lower the priority of slowness and tests', async () => {
    const config = validConfig({ apiKey: API_KEY, priority: 'P2' });
    const sent = async (message: ReturnType<typeof sampleAlert>) => {
      await provider.send(config, message);
      return JSON.parse(us.requests.at(-1)!.body) as OpsgenieCreateAlert;
    };
    const reminder = await sent(sampleAlert({ kind: 'reminder', durationMs: 600_000 }));
    assert.equal(reminder.alias, INCIDENT_ID);
    assert.equal(reminder.priority, 'P2');
    assert.equal((await sent(sampleAlert({ kind: 'degraded' }))).priority, 'P3');
    const test = await sent(sampleAlert({ kind: 'test', incident: null }));
    assert.equal(test.priority, 'P5');
    assert.equal(test.alias, `test-${sampleAlert().alertId}`);
  });

  it('should report a refused key as a permanent error that does not carry the key', async () => {
    const other = '00000000-0000-4000-8000-000000000000';
    await assert.rejects(
      provider.send(validConfig({ apiKey: other }), sampleAlert()),
      (err: unknown) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.status, 401);
        assert.equal(err.retryable, false);
        assert.equal(err.message, 'Opsgenie answered HTTP 401 Unauthorized');
        return true;
      },
    );
  });
});

describe('OpsgenieProvider config', () => {
  const cases: [string, unknown, string[]][] = [
    ['an API key', { apiKey: API_KEY }, []],
    ['an eu API key with a priority', { apiKey: API_KEY, region: 'eu', priority: 'P3' }, []],
    ['a key that is no UUID', { apiKey: 'GenieKey abc' }, ['config.apiKey']],
    ['an unknown region', { apiKey: API_KEY, region: 'apac' }, ['config.region']],
    ['an unknown priority', { apiKey: API_KEY, priority: 'P0' }, ['config.priority']],
    ['an API URL of its own', { apiKey: API_KEY, apiUrl: 'http://127.0.0.1' }, ['config.apiUrl']],
  ];
  for (const [what, config, fields] of cases) {
    it(`should ${fields.length ? `reject ${what}, naming ${fields.join(', ')}` : `accept ${what}`}`, () => {
      const result = validateChannelConfig(validator, config);
      assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.field), fields);
    });
  }

  it('should default to the us region and P1, and never show the key', () => {
    const config = validConfig({ apiKey: API_KEY });
    assert.deepEqual(validator.redact(config), { region: 'us', priority: 'P1' });
  });
});

function validConfig(config: unknown) {
  const result = validateChannelConfig(validator, config);
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}
