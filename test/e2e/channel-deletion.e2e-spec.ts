import { BusClient } from '@uptime/bus';
import {
  ChannelEventStream,
  DurableConsumers,
  type Monitor,
  RegistrySubjects,
} from '@uptime/contracts';
import { connect, DiscardPolicy, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { query } from '../support/test-database';
import { waitFor } from '../support/wait-for';

/**
 * Deleting a channel is one step for the caller: the notifier deletes it and records the fact
 * in one transaction; the registry drops it from the owner's monitors when the fact reaches it.
 */
describe('channel deletion', () => {
  const pipeline = new Pipeline();
  let nc: NatsConnection;
  let token: string;
  let ownerId: string;

  const newChannel = async (name: string) => {
    const res = await pipeline.api.post<{ id: string }>(
      '/api/v1/channels',
      { name, type: 'webhook', config: { url: 'https://example.com/hook', secret: randomUUID() } },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };

  /** A monitor no prober runs (the pipeline starts none): only its channel list matters here. */
  const newMonitor = async (name: string, channelIds: string[]) => {
    const res = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      { name, url: `https://${name}.example.test/`, regions: [pipeline.region], channelIds },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  const monitor = async (id: string) => {
    const res = await pipeline.api.get<Monitor>(`/api/v1/monitors/${id}`, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  const channelsOf = (id: string, expected: string[], timeoutMs = 5000) =>
    waitFor(
      `monitor ${id} to list exactly ${JSON.stringify(expected)}`,
      async () => {
        const m = await pipeline.api.get<Monitor>(`/api/v1/monitors/${id}`, token);
        return m.status === 200 && JSON.stringify(m.body.channelIds) === JSON.stringify(expected)
          ? m.body
          : undefined;
      },
      timeoutMs,
    );

  before(async () => {
    await pipeline.start({ probers: 0, schedulers: 0 });
    nc = await connect({ servers: NATS_URL });
    const user = await pipeline.api.newUser('channel-deletion');
    token = user.accessToken;
    ownerId = user.id;
  });
  after(async () => {
    await nc?.close();
    await pipeline.stop();
  });

  it('should drop a deleted channel from every monitor of its owner, each as a monitor update', async () => {
    const [doomed, kept] = [await newChannel('doomed'), await newChannel('kept')];
    const both = await newMonitor('both', [doomed, kept]);
    const only = await newMonitor('only', [doomed]);
    const other = await newMonitor('other', [kept]);

    const res = await pipeline.api.delete(`/api/v1/channels/${doomed}`, token);
    assert.equal(res.status, 204);

    assert.equal((await channelsOf(both.id, [kept])).version, both.version + 1);
    assert.equal((await channelsOf(only.id, [])).version, only.version + 1);
    assert.equal(
      (await monitor(other.id)).version,
      other.version,
      'a monitor without it is untouched',
    );
    // The notifier learns of each change from the monitor-updated events, as for any edit.
    await waitFor('the notifier projection to drop the channel', async () => {
      const rows = await query<{ channel_ids: string[] }>(
        pipeline.db.url,
        'select channel_ids from notifier.monitor_alert_states where monitor_id = $1',
        [both.id],
      );
      return JSON.stringify(rows[0]?.channel_ids) === JSON.stringify([kept]);
    });
    assert.equal((await pipeline.api.get(`/api/v1/channels/${doomed}`, token)).status, 404);
  });

  it('should finish removing a channel deleted while the registry was down, once it is back', async () => {
    const channel = await newChannel('while-down');
    const m = await newMonitor('while-down', [channel]);
    await pipeline.registry!.close();
    try {
      const res = await pipeline.api.delete(`/api/v1/channels/${channel}`, token);
      assert.equal(res.status, 204, 'the deletion does not wait for the registry');
      assert.equal((await pipeline.api.get(`/api/v1/channels/${channel}`, token)).status, 404);
    } finally {
      await pipeline.startRegistry();
    }
    const back = Date.now();
    const after = await channelsOf(m.id, [], 5000);
    assert.equal(after.version, m.version + 1);
    console.log(`registry caught up ${Date.now() - back} ms after its restart`);
  });

  it('should relay a deletion the notifier committed but had not published when it stopped', async () => {
    const channel = await newChannel('stranded');
    const m = await newMonitor('stranded', [channel]);
    const owner = (await monitor(m.id)).ownerId;
    await pipeline.notifier!.close();
    // What a crash between commit and publish leaves: the channel gone, its fact unpublished.
    const eventId = randomUUID();
    await query(pipeline.db.url, 'delete from notifier.channels where id = $1', [channel]);
    await query(
      pipeline.db.url,
      `insert into notifier.channel_event_outbox (event_id, channel_id, payload, occurred_at)
       values ($1, $2, $3, now())`,
      [
        eventId,
        channel,
        JSON.stringify({
          eventId,
          kind: 'deleted',
          channelId: channel,
          ownerId: owner,
          occurredAt: new Date().toISOString(),
        }),
      ],
    );
    await pipeline.startNotifier();
    await channelsOf(m.id, []);
    const [row] = await query<{ published_at: Date | null }>(
      pipeline.db.url,
      'select published_at from notifier.channel_event_outbox where event_id = $1',
      [eventId],
    );
    assert.ok(row?.published_at, 'marked published');
  });

  it('should answer 404 to a second deletion and to another user, and leave the channel to its owner', async () => {
    const channel = await newChannel('twice');
    const m = await newMonitor('twice', [channel]);
    const stranger = await pipeline.api.newUser('channel-deleter');
    const theirs = await pipeline.api.delete<{ status: number }>(
      `/api/v1/channels/${channel}`,
      stranger.accessToken,
    );
    assert.equal(theirs.status, 404);
    assert.match(theirs.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal((await pipeline.api.get(`/api/v1/channels/${channel}`, token)).status, 200);

    assert.equal((await pipeline.api.delete(`/api/v1/channels/${channel}`, token)).status, 204);
    const second = await pipeline.api.delete<{ status: number }>(
      `/api/v1/channels/${channel}`,
      token,
    );
    assert.equal(second.status, 404);
    assert.match(second.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(second.body.status, 404);
    await channelsOf(m.id, []);
    const [events] = await query<{ n: string }>(
      pipeline.db.url,
      'select count(*) as n from notifier.channel_event_outbox where channel_id = $1',
      [channel],
    );
    assert.equal(events!.n, '1', 'one deletion, one fact');
  });

  it('should delete a channel once when two deletions race', async () => {
    const channel = await newChannel('raced');
    const statuses = await Promise.all(
      [1, 2].map(
        async () => (await pipeline.api.delete(`/api/v1/channels/${channel}`, token)).status,
      ),
    );
    assert.deepEqual(statuses.sort(), [204, 404]);
    const [events] = await query<{ n: string }>(
      pipeline.db.url,
      'select count(*) as n from notifier.channel_event_outbox where channel_id = $1',
      [channel],
    );
    assert.equal(events!.n, '1');
  });

  it('should refuse a monitor naming a channel that was just deleted', async () => {
    const channel = await newChannel('just-deleted');
    const m = await newMonitor('refuser', []);
    assert.equal((await pipeline.api.delete(`/api/v1/channels/${channel}`, token)).status, 204);
    const created = await pipeline.api.post<{ errors: { field: string }[] }>(
      '/api/v1/monitors',
      {
        name: 'late',
        url: 'https://late.example.test/',
        regions: [pipeline.region],
        channelIds: [channel],
      },
      token,
    );
    assert.equal(created.status, 400);
    assert.deepEqual(
      created.body.errors.map((e) => e.field),
      ['channelIds[0]'],
    );
    const patched = await pipeline.api.patch<{ errors: { field: string }[] }>(
      `/api/v1/monitors/${m.id}`,
      { channelIds: [channel] },
      token,
    );
    assert.equal(patched.status, 400);
    assert.deepEqual((await monitor(m.id)).channelIds, []);
  });

  it('should drop a deleted channel from a monitor saved naming it just after the deletion', async () => {
    const channel = await newChannel('raced-check');
    assert.equal((await pipeline.api.delete(`/api/v1/channels/${channel}`, token)).status, 204);
    await waitFor('the registry to have applied the deletion', async () => {
      const [row] = await query<{ published_at: Date | null }>(
        pipeline.db.url,
        'select published_at from notifier.channel_event_outbox where channel_id = $1',
        [channel],
      );
      if (!row?.published_at) return false;
      const consumer = await (
        await nc.jetstreamManager()
      ).consumers.info(ChannelEventStream.name, DurableConsumers.registryChannelEvents);
      return consumer.num_pending === 0 && consumer.num_ack_pending === 0;
    });
    // What a create racing the deletion leaves: the gateway checked the channel before it went,
    // and the registry saves the monitor after it applied the deletion.
    const registry = BusClient.connect(NATS_URL, 'channel-deletion-test');
    let created: Monitor;
    try {
      created = await registry.request(RegistrySubjects.createMonitor, {
        ownerId,
        body: {
          name: 'raced-check',
          url: 'https://raced-check.example.test/',
          regions: [pipeline.region],
          channelIds: [channel],
        },
      });
    } finally {
      await registry.close();
    }
    assert.deepEqual(created.channelIds, [channel]);
    await channelsOf(created.id, []);
  });

  it('should keep the CHANNEL_EVENTS stream bounded in size and age', async () => {
    const info = await (await nc.jetstreamManager()).streams.info(ChannelEventStream.name);
    assert.equal(info.config.max_bytes, 64 * 1024 * 1024);
    assert.equal(info.config.discard, DiscardPolicy.New, 'full, it refuses rather than forgets');
    assert.equal(info.config.max_age, 30 * 24 * 60 * 60 * 1e9);
    assert.deepEqual(info.config.subjects, ['channel.deleted.*']);
  });
});
