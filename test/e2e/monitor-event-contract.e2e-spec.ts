import { type Monitor, MonitorChangedEventSchema, MonitorEventStream } from '@uptime/contracts';
import { connect, DeliverPolicy, JSONCodec, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiStack, NATS_URL } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const codec = JSONCodec<unknown>();

/** Every message of the stream since `since` about one monitor, as it was published. */
async function publishedSince(
  nc: NatsConnection,
  since: Date,
  monitorId: string,
): Promise<unknown[]> {
  const consumer = await nc.jetstream().consumers.get(MonitorEventStream.name, {
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: since.toISOString(),
  });
  const found: unknown[] = [];
  const messages = await consumer.fetch({ max_messages: 1000, expires: 1000 });
  for await (const m of messages) {
    if (m.subject.endsWith(monitorId)) found.push(codec.decode(m.data));
  }
  return found;
}

describe('monitor events against their contract', () => {
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
      const found = await publishedSince(nc, since, id);
      return found.length >= 2 ? found : undefined;
    });
    const parsed = events.map((e) => MonitorChangedEventSchema.safeParse(e));
    for (const p of parsed) assert.ok(p.success, p.error?.message);
    const [onCreate, onPause] = parsed.map((p) => p.data!);
    assert.deepEqual(onCreate!.monitor, created.body);
    assert.deepEqual(onPause!.monitor, paused.body);

    await stack.api.delete(`/api/v1/monitors/${id}`, user.accessToken);
    const tombstone = await waitFor('the tombstone', async () => {
      const found = await publishedSince(nc, since, id);
      return found.length === 1 ? found[0] : undefined;
    });
    const read = MonitorChangedEventSchema.safeParse(tombstone);
    assert.ok(read.success, read.error?.message);
    assert.equal(read.data.kind, 'deleted');
    assert.equal(read.data.monitor.id, id);
  });
});
