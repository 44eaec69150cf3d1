import {
  type Monitor,
  MonitorChangedEventSchema,
  MonitorEventStream,
  type MonitorChangedEvent,
  monitorReplyOf,
} from '@uptime/contracts';
import { DeliverPolicy, JSONCodec, connect, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApiStack, NATS_URL } from '../support/services';
import { createTestDatabase, query, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const codec = JSONCodec<MonitorChangedEvent>();

/** Reads the MONITOR_EVENTS stream from a point in time, as the scheduler and notifier will. */
async function eventsSince(
  nc: NatsConnection,
  since: Date,
  monitorId: string,
): Promise<MonitorChangedEvent[]> {
  const js = nc.jetstream();
  const consumer = await js.consumers.get(MonitorEventStream.name, {
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: since.toISOString(),
  });
  const found: MonitorChangedEvent[] = [];
  const messages = await consumer.fetch({ max_messages: 1000, expires: 1000 });
  for await (const m of messages) {
    const event = codec.decode(m.data);
    if (event.monitorId === monitorId) found.push(event);
  }
  return found;
}

describe('monitor-changed events', () => {
  let db: TestDatabase;
  let stack: ApiStack;
  let nc: NatsConnection;

  before(async () => {
    db = await createTestDatabase();
    stack = await ApiStack.start(db.url);
    nc = await connect({ servers: NATS_URL });
  });
  after(async () => {
    await nc?.close();
    await stack?.stop();
    await db?.drop();
  });

  it('should publish created, updated, paused, resumed and deleted, in order, each with the full monitor; deletion leaves only the tombstone', async () => {
    const since = new Date(Date.now() - 1000);
    const user = await stack.api.newUser('events');
    const created = await stack.api.post<{ id: string }>(
      '/api/v1/monitors',
      { name: 'Events', url: 'https://events.example.test/' },
      user.accessToken,
    );
    const id = created.body.id;
    await stack.api.patch(`/api/v1/monitors/${id}`, { intervalSeconds: 120 }, user.accessToken);
    await stack.api.post(`/api/v1/monitors/${id}/pause`, undefined, user.accessToken);
    await stack.api.post(`/api/v1/monitors/${id}/pause`, undefined, user.accessToken);
    await stack.api.post(`/api/v1/monitors/${id}/resume`, undefined, user.accessToken);

    const events = await waitFor('four events on the stream', async () => {
      const found = await eventsSince(nc, since, id);
      return found.length >= 4 ? found : undefined;
    });
    assert.deepEqual(
      events.map((e) => e.kind),
      ['created', 'updated', 'paused', 'resumed'],
    );
    assert.deepEqual(
      events.map((e) => e.version),
      [1, 2, 3, 4],
    );
    assert.equal(new Set(events.map((e) => e.eventId)).size, 4);
    for (const e of events) {
      assert.equal(e.ownerId, user.id);
      assert.equal(e.monitor.id, id);
      assert.equal(e.monitor.url, 'https://events.example.test/');
    }
    assert.equal(events[1]!.monitor.intervalSeconds, 120);
    assert.equal(events[2]!.monitor.paused, true);
    assert.equal(events[3]!.monitor.paused, false);

    await stack.api.delete(`/api/v1/monitors/${id}`, user.accessToken);
    const left = await waitFor('only the tombstone left', async () => {
      const found = await eventsSince(nc, since, id);
      return found.length === 1 && found[0]!.kind === 'deleted' ? found : undefined;
    });
    assert.equal(left[0]!.version, 5);
    assert.equal(left[0]!.monitor.id, id);
  });

  it('should relay events left in the outbox by a registry that stopped before publishing', async () => {
    const user = await stack.api.newUser('outbox');
    const m = await stack.api.post<{ id: string }>(
      '/api/v1/monitors',
      { name: 'Outbox', url: 'https://outbox.example.test/' },
      user.accessToken,
    );
    await waitFor('the created event to be relayed', async () => {
      const rows = await query<{ n: string }>(
        db.url,
        'select count(*) as n from registry.monitor_event_outbox where monitor_id = $1 and published_at is null',
        [m.body.id],
      );
      return rows[0]!.n === '0';
    });
    await stack.stop();
    // What a crash between commit and publish leaves: an event committed, never published.
    // Random per run: JetStream would drop a repeated id within its duplicate window.
    const eventId = randomUUID();
    const since = new Date(Date.now() - 1000);
    await query(
      db.url,
      `insert into registry.monitor_event_outbox (event_id, monitor_id, kind, payload, occurred_at)
       select $1::uuid, monitor_id, 'updated', jsonb_set(payload, '{eventId}', to_jsonb($1::text)), now()
       from registry.monitor_event_outbox where monitor_id = $2 limit 1`,
      [eventId, m.body.id],
    );
    stack = await ApiStack.start(db.url);
    const events = await waitFor('the stranded event after the restart', async () => {
      const found = await eventsSince(nc, since, m.body.id);
      return found.some((e) => e.eventId === eventId) ? found : undefined;
    });
    assert.equal(events.filter((e) => e.eventId === eventId).length, 1);
  });

  it('should pass every event the registry publishes whole through MonitorChangedEventSchema, the monitor equal to what the API returns', async () => {
    const since = new Date(Date.now() - 1000);
    const user = await stack.api.newUser('contract');
    const created = await stack.api.post<Monitor>(
      '/api/v1/monitors',
      {
        name: 'Contract',
        url: 'https://contract.example.test/health',
        method: 'POST',
        body: '{"ping":true}',
        headers: { 'x-probe': 'contract' },
        keyword: { value: 'ok', mode: 'absent' },
        assertions: [{ type: 'jsonPath', path: '$.status', operator: 'equals', value: 'up' }],
        alertPolicy: { failuresToOpen: 2, windowSize: 3, renotifyMinutes: 60 },
      },
      user.accessToken,
    );
    const id = created.body.id;
    const paused = await stack.api.post<Monitor>(
      `/api/v1/monitors/${id}/pause`,
      undefined,
      user.accessToken,
    );

    const events = await waitFor('created and paused on the stream', async () => {
      const found = await eventsSince(nc, since, id);
      return found.length >= 2 ? found : undefined;
    });
    const parsed = events.map((e) => MonitorChangedEventSchema.safeParse(e));
    for (const p of parsed) assert.ok(p.success, p.error?.message);
    const [onCreate, onPause] = parsed.map((p) => p.data!);
    // The event carries the stored monitor; the API shows a heartbeat's token only as its pingUrl.
    const asReply = (m: Monitor) => monitorReplyOf(m, 'http://unused.test');
    assert.deepEqual(asReply(onCreate!.monitor), created.body);
    assert.deepEqual(asReply(onPause!.monitor), paused.body);

    await stack.api.delete(`/api/v1/monitors/${id}`, user.accessToken);
    const tombstone = await waitFor('the tombstone', async () => {
      const found = await eventsSince(nc, since, id);
      return found.length === 1 ? found[0] : undefined;
    });
    const read = MonitorChangedEventSchema.safeParse(tombstone);
    assert.ok(read.success, read.error?.message);
    assert.equal(read.data.kind, 'deleted');
    assert.equal(read.data.monitor.id, id);
  });
});
