import type { Alert, Channel, CheckResult, Monitor } from '@uptime/contracts';
import { checkResultSubject } from '@uptime/contracts';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  type ReceivedRequest,
  type Receiver,
  startReceiver,
} from '../../apps/notifier/src/channels/test-support';
import { checkResultFixture } from '../support/factories';
import { OutputCapture } from '../support/output-capture';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { waitFor } from '../support/wait-for';

const ROUTING_KEY = 'R0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5';
const GENIE_KEY = '3f2c9a1e-7b4d-4c8e-9a6f-1d2e3f4a5b6c';
const BOT_TOKEN = '123456789:AAF-s3cr3tT0kenValue_abcdefghijklmn';
const TEAMS_PATH = '/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cr3tSig';
const DISCORD_PATH = '/api/webhooks/1234567890/s3cr3t-Discord-T0ken';
const NTFY_TOKEN = 'tk_s3cr3tNtfyT0kenValue';
/** Every secret above: none may come back in an API answer. */
const SECRETS = [
  ROUTING_KEY,
  GENIE_KEY,
  BOT_TOKEN,
  's3cr3tSig',
  's3cr3t-Discord-T0ken',
  NTFY_TOKEN,
];

interface PagerDutyEvent {
  routing_key: string;
  event_action: string;
  dedup_key: string;
  payload?: { summary: string; severity: string; source: string };
}

/**
 * The on-call channels over the whole stack: channels made through the gateway, results on NATS,
 * incidents in the notifier, and each service's API played by one loopback receiver. PagerDuty,
 * Opsgenie and Telegram are reached through the operator's URLs (PAGERDUTY_EVENTS_URL, …),
 * Teams, Discord and ntfy through the channels' own URLs, which the test deployment allows.
 */
describe('on-call channels', () => {
  const pipeline = new Pipeline();
  const output = new OutputCapture();
  let service: Receiver;
  let nc: NatsConnection;
  let token: string;

  const requestsTo = (pathStart: string) =>
    service.requests.filter((r) => r.path.startsWith(pathStart));
  const pagerDutyEvents = () =>
    requestsTo('/pagerduty/v2/enqueue').map((r) => JSON.parse(r.body) as PagerDutyEvent);

  const createChannel = async (type: string, config: Record<string, unknown>) => {
    const res = await pipeline.api.post<Channel>(
      '/api/v1/channels',
      { name: `${type} on call`, type, config },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  const publish = async (monitor: Monitor, outcome: 'down' | 'up') => {
    const at = new Date().toISOString();
    const result: CheckResult = checkResultFixture({
      id: randomUUID(),
      monitorId: monitor.id,
      ownerId: monitor.ownerId,
      region: pipeline.region,
      scheduledAt: at,
      startedAt: at,
      outcome,
      ...(outcome === 'down'
        ? {
            errorKind: 'http_status',
            httpStatus: 503,
            assertions: [{ type: 'status', expected: ['200-299'], actual: 503, passed: false }],
          }
        : {}),
    });
    await nc.jetstream().publish(checkResultSubject(pipeline.region), JSONCodec().encode(result), {
      msgID: result.id,
    });
  };

  before(async () => {
    output.start();
    service = await startReceiver((req: ReceivedRequest) => {
      if (req.path.startsWith('/pagerduty/')) return { status: 202, body: '{"status":"success"}' };
      if (req.path.startsWith('/opsgenie/')) {
        const ok = req.headers.authorization === `GenieKey ${GENIE_KEY}`;
        return { status: ok ? 202 : 401 };
      }
      if (req.path.startsWith('/telegram/')) {
        const ok = req.path === `/telegram/bot${BOT_TOKEN}/sendMessage`;
        return { status: ok ? 200 : 401, body: `{"ok":${ok}}` };
      }
      if (req.path.startsWith('/ntfy/')) {
        const ok = req.headers.authorization === `Bearer ${NTFY_TOKEN}`;
        return { status: ok ? 200 : 403 };
      }
      return { status: req.path.startsWith('/api/webhooks/') ? 204 : 202 };
    });
    pipeline.notifierOverrides = {
      channelApis: {
        pagerDutyEventsUrl: `${service.url}/pagerduty/v2/enqueue`,
        opsgenieApiUrl: `${service.url}/opsgenie`,
        opsgenieEuApiUrl: `${service.url}/opsgenie-eu`,
        telegramApiUrl: `${service.url}/telegram`,
      },
    };
    await pipeline.start({ probers: 0, schedulers: 0 });
    nc = await connect({ servers: NATS_URL });
    token = (await pipeline.api.newUser('oncall')).accessToken;
  });
  after(async () => {
    output.stop();
    await nc?.close();
    await pipeline.stop();
    await service?.close();
  });

  it('should page PagerDuty and open Opsgenie, Teams and Discord alerts on an outage, and resolve them all with the incident id', async () => {
    const channels = [
      await createChannel('pagerduty', { routingKey: ROUTING_KEY }),
      await createChannel('opsgenie', { apiKey: GENIE_KEY }),
      await createChannel('msteams', { webhookUrl: `${service.url}${TEAMS_PATH}` }),
      await createChannel('discord', { webhookUrl: `${service.url}${DISCORD_PATH}` }),
    ];
    const created = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      {
        name: 'Checkout API',
        url: 'https://checkout.example.test/health',
        regions: [pipeline.region],
        channelIds: channels.map((c) => c.id),
      },
      token,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const monitor = created.body;

    await publish(monitor, 'down');
    const [trigger] = await waitFor('the PagerDuty trigger', () => {
      const events = pagerDutyEvents();
      return events.length > 0 && events;
    });
    assert.ok(trigger);
    assert.equal(trigger.event_action, 'trigger');
    assert.equal(trigger.routing_key, ROUTING_KEY);
    assert.equal(trigger.payload?.summary, '[DOWN] Checkout API is down');
    assert.equal(trigger.payload?.severity, 'critical');
    const incidents = await pipeline.api.get<{
      items: { id: string; resolvedAt: string | null }[];
    }>(`/api/v1/monitors/${monitor.id}/incidents`, token);
    const incidentId = incidents.body.items[0]?.id;
    assert.equal(trigger.dedup_key, incidentId, 'the dedup key is the incident id');
    await waitFor(
      'the Opsgenie, Teams and Discord alerts',
      () =>
        requestsTo('/opsgenie/v2/alerts').length === 1 &&
        requestsTo('/workflows/').length === 1 &&
        requestsTo('/api/webhooks/').length === 1,
    );
    const genie = JSON.parse(requestsTo('/opsgenie/v2/alerts')[0]!.body) as { alias: string };
    assert.equal(genie.alias, incidentId);
    const card = JSON.parse(requestsTo('/workflows/')[0]!.body) as {
      type: string;
      attachments: { contentType: string }[];
    };
    assert.equal(card.type, 'message');
    assert.equal(card.attachments[0]?.contentType, 'application/vnd.microsoft.card.adaptive');
    const discord = JSON.parse(requestsTo('/api/webhooks/')[0]!.body) as { embeds: unknown[] };
    assert.equal(discord.embeds.length, 1);

    await publish(monitor, 'up');
    const resolve = await waitFor('the PagerDuty resolve', () => pagerDutyEvents()[1]);
    assert.deepEqual(resolve, {
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: incidentId,
    });
    await waitFor(
      'the Opsgenie close, the Teams and Discord recoveries',
      () =>
        requestsTo(`/opsgenie/v2/alerts/${incidentId}/close?identifierType=alias`).length === 1 &&
        requestsTo('/workflows/').length === 2 &&
        requestsTo('/api/webhooks/').length === 2,
    );
    const recovery = JSON.parse(requestsTo('/api/webhooks/')[1]!.body) as { content: string };
    assert.match(recovery.content, /^\\\[UP\\\] Checkout API is back up/);
    // The receiver has the request a moment before the notifier records the attempt.
    const alerts = await waitFor('all eight alerts recorded', async () => {
      const res = await pipeline.api.get<{ items: Alert[] }>(
        `/api/v1/alerts?monitorId=${monitor.id}`,
        token,
      );
      const items = res.body.items;
      return items.length === 8 && items.every((a) => a.status !== 'pending') && items;
    });
    assert.deepEqual(
      alerts.filter((a) => a.status !== 'sent' || a.attempts !== 1),
      [],
      'an open and a resolve for each of four channels, each delivered at its first attempt',
    );
  });

  it('should send a Telegram and an ntfy test message, and record a refused one as failed without its secret', async () => {
    const telegram = await createChannel('telegram', { botToken: BOT_TOKEN, chatId: -100123 });
    const sent = await pipeline.api.post<Alert>(`/api/v1/channels/${telegram.id}/test`, {}, token);
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.status, 'sent');
    const message = JSON.parse(requestsTo(`/telegram/bot${BOT_TOKEN}/`).at(-1)!.body) as {
      chat_id: string;
      text: string;
      parse_mode: string;
    };
    assert.equal(message.chat_id, '-100123');
    assert.equal(message.parse_mode, 'HTML');
    assert.match(message.text, /^<b>\[TEST\] Test alert for Test of channel telegram on call<\/b>/);

    const otherBot = '987654321:AAF-an0therT0kenValue_abcdefghijklm';
    const refused = await createChannel('telegram', { botToken: otherBot, chatId: '@uptime_ops' });
    const failed = await pipeline.api.post<Alert>(`/api/v1/channels/${refused.id}/test`, {}, token);
    assert.equal(failed.body.status, 'failed');
    assert.equal(failed.body.lastError, 'Telegram answered HTTP 401 Unauthorized');

    const ntfy = await createChannel('ntfy', {
      serverUrl: `${service.url}/ntfy`,
      topic: 'uptime-ops',
      accessToken: NTFY_TOKEN,
    });
    const pushed = await pipeline.api.post<Alert>(`/api/v1/channels/${ntfy.id}/test`, {}, token);
    assert.equal(pushed.body.status, 'sent', JSON.stringify(pushed.body));
    const publish = JSON.parse(requestsTo('/ntfy/').at(-1)!.body) as {
      topic: string;
      title: string;
    };
    assert.equal(publish.topic, 'uptime-ops');
    assert.equal(publish.title, '[TEST] Test alert for Test of channel ntfy on call');
  });

  it('should never show a secret in an answer, and name each bad field with a 400', async () => {
    const pager = await createChannel('pagerduty', { routingKey: ROUTING_KEY, severity: 'error' });
    assert.deepEqual(pager.config, { severity: 'error' });
    const listed = await pipeline.api.get<{ items: Channel[] }>('/api/v1/channels', token);
    assert.equal(listed.status, 200);
    const text = JSON.stringify(listed.body);
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} shown`);
    const types = new Set(listed.body.items.map((c) => c.type));
    for (const type of ['pagerduty', 'opsgenie', 'msteams', 'discord', 'telegram', 'ntfy']) {
      assert.ok(types.has(type as Channel['type']), `a ${type} channel is listed`);
    }

    // A patch keeps the stored key: the channel still pages.
    const renamed = await pipeline.api.patch<Channel>(
      `/api/v1/channels/${pager.id}`,
      { config: { severity: 'warning' } },
      token,
    );
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.deepEqual(renamed.body.config, { severity: 'warning' });
    const test = await pipeline.api.post<Alert>(`/api/v1/channels/${pager.id}/test`, {}, token);
    assert.equal(test.body.status, 'sent');
    assert.equal(pagerDutyEvents().at(-1)?.routing_key, ROUTING_KEY);

    const bad: [string, Record<string, unknown>, string][] = [
      ['pagerduty', { routingKey: 'short' }, 'config.routingKey'],
      [
        'pagerduty',
        { routingKey: ROUTING_KEY, eventsUrl: 'http://127.0.0.1/' },
        'config.eventsUrl',
      ],
      ['opsgenie', { apiKey: GENIE_KEY, region: 'apac' }, 'config.region'],
      ['msteams', { webhookUrl: 'http://teams.example.com/hook' }, 'config.webhookUrl'],
      ['discord', { webhookUrl: 'https://example.com/api/webhooks/1/x' }, 'config.webhookUrl'],
      ['telegram', { botToken: BOT_TOKEN, chatId: 'ops' }, 'config.chatId'],
      ['ntfy', { topic: 'a/b' }, 'config.topic'],
    ];
    for (const [type, config, field] of bad) {
      const res = await pipeline.api.post<{ errors: { field: string }[] }>(
        '/api/v1/channels',
        { name: 'bad', type, config },
        token,
      );
      assert.equal(res.status, 400, `${type} ${JSON.stringify(config)}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.deepEqual(
        res.body.errors.map((e) => e.field),
        [field],
      );
    }
  });

  it('should refuse to move an ntfy access token to another server unless it is given again', async () => {
    const ntfy = await createChannel('ntfy', {
      serverUrl: `${service.url}/ntfy`,
      topic: 'moving',
      accessToken: NTFY_TOKEN,
    });
    const moved = await pipeline.api.patch<{ errors: { field: string; message: string }[] }>(
      `/api/v1/channels/${ntfy.id}`,
      { config: { serverUrl: 'https://ntfy.example.com' } },
      token,
    );
    assert.equal(moved.status, 400);
    assert.deepEqual(moved.body.errors, [
      { field: 'config.accessToken', message: 'must be given again when serverUrl changes' },
    ]);
    const topicOnly = await pipeline.api.patch<Channel>(
      `/api/v1/channels/${ntfy.id}`,
      { config: { topic: 'moved' } },
      token,
    );
    assert.equal(topicOnly.status, 200, 'other fields change without the token');
    const withToken = await pipeline.api.patch<Channel>(
      `/api/v1/channels/${ntfy.id}`,
      { config: { serverUrl: 'https://ntfy.example.com', accessToken: 'tk_anotherTokenValue' } },
      token,
    );
    assert.equal(withToken.status, 200, JSON.stringify(withToken.body));
    assert.deepEqual(withToken.body.config, {
      serverUrl: 'https://ntfy.example.com',
      topic: 'moved',
      priority: 4,
    });
  });

  it('should have logged failed deliveries without any secret', () => {
    assert.match(output.text, /telegram delivery of alert .* failed: Telegram answered HTTP 401/);
    for (const secret of [...SECRETS, '987654321:AAF-an0therT0kenValue']) {
      assert.ok(!output.text.includes(secret), `${secret} logged`);
    }
  });
});
