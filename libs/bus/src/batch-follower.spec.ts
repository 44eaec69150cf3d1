import type { StreamDefinition } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { AckPolicy, connect, DeliverPolicy, JSONCodec, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { waitFor } from '../../../test/support/wait-for';
import { BatchFollower, type BatchFollowerOptions } from './batch-follower';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const codec = JSONCodec<unknown>();
const Item = z.object({ n: z.number().int() });
type Item = z.infer<typeof Item>;

describe('BatchFollower on JetStream', () => {
  let nc: NatsConnection;
  const name = `BATCHTEST_${randomUUID().slice(0, 8)}`;
  const stream: StreamDefinition = {
    name,
    subjectPrefix: `batchtest.${name}`,
    subjects: [`batchtest.${name}.>`],
    retention: 'limits',
    duplicateWindowNanos: 60 * 1_000_000_000,
    maxAgeNanos: 0,
    maxBytes: { variable: 'BATCHTEST_MAX_MB', defaultMiB: 16, description: 'test stream' },
    discard: 'new',
    maxMsgsPerSubject: 0,
  };
  const running: BatchFollower<Item>[] = [];

  /** A follower on a durable consumer of its own, from the stream's current end. */
  async function follow(
    options: Pick<BatchFollowerOptions<Item>, 'handle'> & Partial<BatchFollowerOptions<Item>>,
  ): Promise<{ follower: BatchFollower<Item>; durable: string }> {
    const durable = `batchtest-${randomUUID().slice(0, 8)}`;
    const follower = await BatchFollower.start(nc, {
      name: 'BatchFollowerSpec',
      stream,
      consumer: {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
      },
      schema: Item,
      batchSize: 10,
      retryDelayMs: 100,
      ...options,
    });
    running.push(follower);
    return { follower, durable };
  }

  /** All at once (one connection keeps their order), so they arrive as a burst. */
  async function publish(...payloads: (Item | string)[]): Promise<void> {
    const js = nc.jetstream();
    await Promise.all(
      payloads.map((p) =>
        js.publish(
          `${stream.subjectPrefix}.item`,
          typeof p === 'string' ? new TextEncoder().encode(p) : codec.encode(p),
        ),
      ),
    );
  }

  /** Nothing left to deliver and nothing delivered but unacked. */
  async function settled(durable: string): Promise<boolean> {
    const info = await (await nc.jetstreamManager()).consumers.info(name, durable);
    return info.num_pending === 0 && info.num_ack_pending === 0;
  }

  const items = (...ns: number[]): Item[] => ns.map((n) => ({ n }));

  before(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  afterEach(async () => {
    await Promise.race([
      Promise.all(running.splice(0).map((f) => f.close())),
      new Promise((r) => setTimeout(r, 2000)),
    ]);
  });
  after(async () => {
    await (await nc.jetstreamManager()).streams.delete(name);
    await nc.close();
  });

  it('should hand over batches in stream order, none above the batch size, and ack them', async () => {
    const batches: Item[][] = [];
    const { durable } = await follow({
      batchSize: 10,
      handle: async (batch) => {
        batches.push(batch);
      },
    });
    await publish(...items(...Array.from({ length: 25 }, (_, n) => n)));

    await waitFor('25 items handled', () => batches.flat().length === 25);
    await waitFor('every message acked', () => settled(durable));
    assert.deepEqual(batches.flat(), items(...Array.from({ length: 25 }, (_, n) => n)));
    assert.ok(batches.every((b) => b.length <= 10));
    assert.ok(
      batches.some((b) => b.length > 1),
      `batches of ${batches.map((b) => b.length)}`,
    );
  });

  // One at a time, each alone in the client's buffer: every fifth crosses the client's refill of
  // its pull (at 75 % of 20 pulled ahead), which must not keep it waiting for the next message.
  it('should hand over each message of a trickle as it arrives', async () => {
    const handled: Item[] = [];
    const { durable } = await follow({
      handle: async (batch) => {
        handled.push(...batch);
      },
    });
    const js = nc.jetstream();
    for (let n = 0; n < 25; n++) {
      await js.publish(`${stream.subjectPrefix}.item`, codec.encode({ n }));
      await waitFor(`item ${n} handled`, () => handled.length === n + 1, 2000);
    }
    await waitFor('every message acked', () => settled(durable));
  });

  it('should wait up to maxWaitMs after a batch starts for more, then hand it over', async () => {
    const batches: { at: number; batch: Item[] }[] = [];
    await follow({
      maxWaitMs: 400,
      handle: async (batch) => {
        batches.push({ at: Date.now(), batch });
      },
    });
    const started = Date.now();
    await publish(...items(1));
    await new Promise((r) => setTimeout(r, 150));
    await publish(...items(2));

    await waitFor('the batch', () => batches.length > 0);
    assert.deepEqual(batches[0]!.batch, items(1, 2));
    assert.ok(batches[0]!.at - started >= 350, `handed over after ${batches[0]!.at - started} ms`);
  });

  it('should hand a lone message over at once without maxWaitMs', async () => {
    const handled: number[] = [];
    await follow({
      handle: async (batch) => {
        handled.push(Date.now());
        assert.deepEqual(batch, items(7));
      },
    });
    const started = Date.now();
    await publish(...items(7));
    await waitFor('the message', () => handled.length === 1);
    assert.ok(handled[0]! - started < 300, `handed over after ${handled[0]! - started} ms`);
  });

  it('should redeliver a batch whose handler threw, then ack it', async () => {
    const attempts: Item[][] = [];
    const { durable } = await follow({
      maxWaitMs: 300,
      handle: async (batch) => {
        attempts.push(batch);
        if (attempts.length === 1) throw new Error('store away');
      },
    });
    await publish(...items(1, 2, 3));

    await waitFor('a second attempt', () => attempts.length >= 2);
    await waitFor('every message acked', () => settled(durable));
    assert.deepEqual(attempts[0], items(1, 2, 3));
    assert.deepEqual(attempts.slice(1).flat(), items(1, 2, 3));
  });

  it('should apply a failed batch one by one, redelivering only what still fails', async () => {
    const each: number[] = [];
    let poisoned = true;
    const { durable } = await follow({
      maxWaitMs: 300,
      handle: async (batch) => {
        if (batch.some((i) => i.n === 2) && poisoned) throw new Error('one bad item');
        each.push(...batch.map((i) => i.n));
      },
      handleEach: async (item) => {
        if (item.n === 2) {
          poisoned = false;
          throw new Error('bad item');
        }
        each.push(item.n);
      },
    });
    await publish(...items(1, 2, 3));

    await waitFor('every message acked', () => settled(durable));
    assert.deepEqual(each, [1, 3, 2]);
  });

  it('should drop and count a malformed message without holding back the others', async () => {
    const registry = new Registry();
    const handled: Item[] = [];
    const { follower, durable } = await follow({
      registry,
      handle: async (batch) => {
        handled.push(...batch);
      },
    });
    await publish({ n: 1 }, 'not json', JSON.stringify({ n: 'two' }), { n: 3 });

    await waitFor('every message settled', () => settled(durable));
    assert.deepEqual(handled, items(1, 3));
    assert.equal(follower.dropped, 2);
    const metric = `uptime_${durable.replace(/-/g, '_')}_malformed_messages_total`;
    assert.match(await registry.metrics(), new RegExp(`^${metric} 2$`, 'm'));
  });

  describe('with messages that carry several payloads (split)', () => {
    const split = (message: unknown): unknown[] => (Array.isArray(message) ? message : [message]);
    const many = (...ns: number[]): string => JSON.stringify(items(...ns));

    it('should hand over the payloads in order, count the batch by payloads, and ack each message', async () => {
      const batches: Item[][] = [];
      const { durable } = await follow({
        split,
        batchSize: 5,
        handle: async (batch) => {
          batches.push(batch);
        },
      });
      await publish(many(0, 1, 2), { n: 3 }, many(4, 5, 6, 7), many(8));

      await waitFor('9 payloads handled', () => batches.flat().length === 9);
      await waitFor('every message acked', () => settled(durable));
      assert.deepEqual(batches.flat(), items(0, 1, 2, 3, 4, 5, 6, 7, 8));
      // Full at 5 payloads: a batch ends with the message that reached it, never splits one.
      for (const batch of batches) assert.ok(batch.length <= 5 + 3, `a batch of ${batch.length}`);
      assert.ok(batches.length >= 2, `batches of ${batches.map((b) => b.length)}`);
    });

    it('should leave out and count a malformed payload, keep its companions, and drop a message with none valid', async () => {
      const registry = new Registry();
      const handled: Item[] = [];
      const { follower, durable } = await follow({
        split,
        registry,
        handle: async (batch) => {
          handled.push(...batch);
        },
      });
      await publish(
        JSON.stringify([{ n: 1 }, { n: 'two' }, { n: 3 }]),
        JSON.stringify([{ n: 'x' }, null]),
        'not json',
        many(4),
      );

      await waitFor('every message settled', () => settled(durable));
      assert.deepEqual(handled, items(1, 3, 4));
      // One payload left out, and two messages dropped whole (each counts once).
      assert.equal(follower.dropped, 3);
      const metric = `uptime_${durable.replace(/-/g, '_')}_malformed_messages_total`;
      assert.match(await registry.metrics(), new RegExp(`^${metric} 3$`, 'm'));
    });

    it('should apply a failed batch payload by payload, redelivering a message until all of it is handled', async () => {
      const each: number[] = [];
      let failures = 0;
      const { durable } = await follow({
        split,
        maxWaitMs: 300,
        handle: async () => {
          throw new Error('the batch fails');
        },
        handleEach: async (item) => {
          if (item.n === 2 && failures++ === 0) throw new Error('bad once');
          each.push(item.n);
        },
      });
      await publish(many(1, 2, 3), many(4));

      await waitFor('every message acked', () => settled(durable));
      // The first message stopped at 2 and came back whole; 1 was applied again (consumers of
      // such streams skip what they already applied), 3 only after 2.
      assert.deepEqual(each, [1, 4, 1, 2, 3]);
    });

    it('should pull ahead by bytes, not by messages, so large messages are not hoarded', async () => {
      // 30 messages of 20 payloads and ~300 KB each. Pulled ahead by messages (20 at a batch
      // size of 10) the follower would hold 20 of them while its handler is busy; by bytes
      // (twice the server's 1 MB max_payload) it holds about 7.
      const pad = 'x'.repeat(15_000);
      const messages = Array.from({ length: 30 }, (_, m) =>
        JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ n: m * 20 + i, pad }))),
      );
      let release!: () => void;
      const busy = new Promise<void>((resolve) => (release = resolve));
      const handled: Item[] = [];
      const { durable } = await follow({
        split,
        batchSize: 10,
        handle: async (batch) => {
          await busy;
          handled.push(...batch);
        },
      });
      const jsm = await nc.jetstreamManager();
      for (const m of messages) await publish(m);

      await waitFor('the pull has taken what it will', async () => {
        const info = await jsm.consumers.info(name, durable);
        return info.num_ack_pending > 0 && info.num_pending + info.num_ack_pending === 30;
      });
      await new Promise((r) => setTimeout(r, 300));
      const held = (await jsm.consumers.info(name, durable)).num_ack_pending;
      assert.ok(held <= 9, `${held} messages of ~300 KB pulled ahead`);

      release();
      await waitFor('every payload handled', () => handled.length === 600);
      await waitFor('every message acked', () => settled(durable));
      assert.deepEqual(
        handled.map((i) => i.n),
        Array.from({ length: 600 }, (_, n) => n),
      );
    });
  });

  it('should stop promptly during a pull, handing over the batch in hand', async () => {
    const handled: Item[] = [];
    const handle = async (batch: Item[]) => {
      handled.push(...batch);
    };
    const { follower: idle } = await follow({ maxWaitMs: 30_000, handle });
    await new Promise((r) => setTimeout(r, 100));
    await stopsWithin(idle, 500);

    const { follower: waiting, durable } = await follow({ maxWaitMs: 30_000, handle });
    await publish(...items(5));
    await waitFor('the message received', async () => {
      const info = await (await nc.jetstreamManager()).consumers.info(name, durable);
      return info.num_ack_pending === 1;
    });
    await stopsWithin(waiting, 500);
    assert.deepEqual(handled, items(5));
    assert.ok(await settled(durable));
  });
});

/** Fails rather than hangs when close() does not end the pull. */
async function stopsWithin(follower: BatchFollower<Item>, ms: number): Promise<void> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 2000)));
  const outcome = await Promise.race([follower.close(), late]);
  clearTimeout(timer);
  assert.notEqual(outcome, 'late', 'close() did not end the pull');
  assert.ok(Date.now() - started < ms, `stopped in ${Date.now() - started} ms`);
}
