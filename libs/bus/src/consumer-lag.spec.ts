import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { ConsumerLag } from './consumer-lag';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

describe('ConsumerLag on JetStream', () => {
  let nc: NatsConnection;
  const stream = `LAGTEST_${randomUUID().slice(0, 8)}`;
  const durable = 'lag-reader';

  /** The value of one series of the scrape, undefined when it has none. */
  async function scraped(registry: Registry, metric: string): Promise<number | undefined> {
    const text = await registry.metrics();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${metric}{`) && l.includes(`consumer="${durable}"`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  }

  before(async () => {
    nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`lagtest.${stream}.>`] });
    await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit });
  });
  after(async () => {
    await (await nc.jetstreamManager()).streams.delete(stream);
    await nc.close();
  });

  it('should export what is not yet delivered and what is delivered but not acked, per consumer', async () => {
    const registry = new Registry();
    ConsumerLag.of(registry).watch(nc, stream, durable);
    // A second watcher on the same registry reuses its gauges (a second registration would throw).
    ConsumerLag.of(registry).watch(nc, stream, durable);
    const js = nc.jetstream();
    for (let n = 0; n < 5; n++) await js.publish(`lagtest.${stream}.item`, new Uint8Array([n]));
    assert.equal(await scraped(registry, 'uptime_jetstream_consumer_pending'), 5);
    assert.equal(await scraped(registry, 'uptime_jetstream_consumer_ack_pending'), 0);

    const consumer = await js.consumers.get(stream, durable);
    const taken = await consumer.fetch({ max_messages: 2, expires: 1000 });
    let held = 0;
    for await (const m of taken) {
      held++;
      if (held === 2) m.ack();
    }
    assert.equal(await scraped(registry, 'uptime_jetstream_consumer_pending'), 3);
    assert.equal(await scraped(registry, 'uptime_jetstream_consumer_ack_pending'), 1);
  });

  it('should leave out a consumer it cannot read rather than report 0', async () => {
    const registry = new Registry();
    ConsumerLag.of(registry).watch(nc, stream, 'no-such-consumer');
    const text = await registry.metrics();
    assert.match(text, /# TYPE uptime_jetstream_consumer_pending gauge/);
    assert.doesNotMatch(text, /no-such-consumer/);
  });
});
