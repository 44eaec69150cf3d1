import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { JetStreamPublisher, PublishNotAcknowledged } from './jetstream-publisher';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const codec = JSONCodec<{ n: number }>();

describe('JetStreamPublisher', () => {
  let nc: NatsConnection;
  let publisher: JetStreamPublisher;
  // Each test gets an empty stream of its own, so none counts what another stored.
  let stream: string;
  let subject: string;

  before(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  after(async () => {
    await nc.close();
  });
  beforeEach(async () => {
    stream = `PUBTEST_${randomUUID().slice(0, 8)}`;
    subject = `pubtest.${stream}`;
    await (await nc.jetstreamManager()).streams.add({ name: stream, subjects: [subject] });
    publisher = new JetStreamPublisher(nc, { timeoutMs: 500 });
  });
  afterEach(async () => {
    publisher.close();
    await (await nc.jetstreamManager()).streams.delete(stream);
  });

  it('should resolve once the stream stored each message, many at once', async () => {
    await Promise.all(
      Array.from({ length: 500 }, (_, n) =>
        publisher.publish(subject, codec.encode({ n }), `m-${n}`),
      ),
    );
    const info = await (await nc.jetstreamManager()).streams.info(stream);
    assert.equal(info.state.messages, 500);
  });

  it('should store a message published twice with the same id once, and answer its stream sequence both times', async () => {
    const id = randomUUID();
    const first = await publisher.publish(subject, codec.encode({ n: 1 }), id);
    const again = await publisher.publish(subject, codec.encode({ n: 1 }), id);
    const info = await (await nc.jetstreamManager()).streams.info(stream);
    assert.equal(info.state.messages, 1);
    assert.equal(first, info.state.last_seq);
    assert.equal(again, first);
  });

  it('should refuse a publish that expects an empty subject while a message waits there', async () => {
    await publisher.publish(subject, codec.encode({ n: 1 }), randomUUID(), {
      expectEmptySubject: true,
    });
    await assert.rejects(
      publisher.publish(subject, codec.encode({ n: 2 }), randomUUID(), {
        expectEmptySubject: true,
      }),
      (err: Error) => err instanceof PublishNotAcknowledged && err.subjectNotEmpty,
    );
    const info = await (await nc.jetstreamManager()).streams.info(stream);
    assert.equal(info.state.messages, 1);
  });

  it('should reject when no stream listens on the subject', async () => {
    await assert.rejects(
      publisher.publish(`nostream.${randomUUID()}`, codec.encode({ n: 1 }), randomUUID()),
      (err: Error) => err instanceof PublishNotAcknowledged && /no stream/.test(err.message),
    );
  });

  it('should reject after its timeout when something answers but nothing acks', async () => {
    const silent = `silent.${randomUUID()}`;
    const sub = nc.subscribe(silent, { callback: () => undefined });
    try {
      const started = Date.now();
      await assert.rejects(
        publisher.publish(silent, codec.encode({ n: 1 }), randomUUID()),
        (err: Error) => err instanceof PublishNotAcknowledged && /within 500 ms/.test(err.message),
      );
      assert.ok(Date.now() - started < 2000);
    } finally {
      sub.unsubscribe();
    }
  });

  it('should reject, not throw, when the connection refuses the message', async () => {
    const closed = await connect({ servers: NATS_URL });
    const own = new JetStreamPublisher(closed, { timeoutMs: 10_000 });
    await closed.close();
    try {
      await assert.rejects(own.publish(subject, codec.encode({ n: 1 }), randomUUID()), /closed/i);
    } finally {
      own.close();
    }
  });

  it('should reject what still waits when closed', async () => {
    const own = new JetStreamPublisher(nc, { timeoutMs: 10_000 });
    const silent = `silent.${randomUUID()}`;
    const sub = nc.subscribe(silent, { callback: () => undefined });
    const waiting = own.publish(silent, codec.encode({ n: 1 }), randomUUID());
    own.close();
    await assert.rejects(waiting, /publisher closed/);
    sub.unsubscribe();
  });
});
