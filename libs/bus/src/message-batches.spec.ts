import {
  type CheckResult,
  CheckResultStream,
  checkResultSubject,
  decodeCheckResults,
} from '@uptime/contracts';
import { connect, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkResultFixture } from '../../../test/support/factories';
import { NATS_URL } from '../../../test/support/services';
import { waitFor } from '../../../test/support/wait-for';
import { ensureStream } from './jetstream';
import { JetStreamPublisher } from './jetstream-publisher';
import { MessageBatches, type MessageBatchOptions } from './message-batches';

describe('MessageBatches of check results on JetStream', () => {
  const region = `rb${Math.random().toString(36).slice(2, 8)}`;
  let nc: NatsConnection;
  let publisher: JetStreamPublisher;
  /** Each message published on the region's results subject, as the results it carried. */
  const messages: CheckResult[][] = [];

  const options = (
    overrides: Partial<MessageBatchOptions<CheckResult>> = {},
  ): MessageBatchOptions<CheckResult> => ({
    subjectOf: (r) => checkResultSubject(r.region),
    aloneId: (r) => (r.onDemand ? r.id : undefined),
    windowMs: 50,
    maxItems: 200,
    maxBytes: () => 768 * 1024,
    ...overrides,
  });
  const results = (count: number): CheckResult[] =>
    Array.from({ length: count }, () => checkResultFixture({ region }));

  before(async () => {
    nc = await connect({ servers: NATS_URL });
    await ensureStream(await nc.jetstreamManager(), CheckResultStream);
    publisher = new JetStreamPublisher(nc);
    nc.subscribe(checkResultSubject(region), {
      callback: (_err, m) => messages.push(decodeCheckResults(m.data)),
    });
    await nc.flush();
  });
  after(async () => {
    publisher?.close();
    await (
      await nc.jetstreamManager()
    ).streams
      .purge(CheckResultStream.name, { filter: checkResultSubject(region) })
      .catch(() => undefined);
    await nc?.close();
  });

  /** Publishes every result at once; the messages that carried them, once all were stored. */
  async function publishAll(
    batches: MessageBatches<CheckResult>,
    sent: CheckResult[],
  ): Promise<CheckResult[][]> {
    const before = messages.length;
    await Promise.all(sent.map((r) => batches.publish(r)));
    await waitFor(
      'every result seen on the subject',
      () => messages.slice(before).flat().length >= sent.length,
    );
    return messages.slice(before);
  }

  it('should send the results finished within the window as one message, in order, each stored once it resolves', async () => {
    const sent = results(5);
    const carried = await publishAll(new MessageBatches(publisher, options()), sent);

    assert.equal(carried.length, 1, `messages of ${carried.map((m) => m.length)}`);
    assert.deepEqual(
      carried[0]!.map((r) => r.id),
      sent.map((r) => r.id),
    );
    const jsm = await nc.jetstreamManager();
    const stored = await jsm.streams.getMessage(CheckResultStream.name, {
      last_by_subj: checkResultSubject(region),
    });
    assert.deepEqual(decodeCheckResults(stored.data), carried[0]);
  });

  it('should close a message at maxResults and send the rest after the window', async () => {
    const sent = results(7);
    const carried = await publishAll(new MessageBatches(publisher, options({ maxItems: 3 })), sent);

    assert.deepEqual(
      carried.map((m) => m.length),
      [3, 3, 1],
    );
    assert.deepEqual(
      carried.flat().map((r) => r.id),
      sent.map((r) => r.id),
    );
  });

  it('should keep a message under maxBytes, a result larger than it going alone', async () => {
    const small = results(4);
    const large = checkResultFixture({ region, message: 'x'.repeat(3000) });
    const oneSize = Buffer.byteLength(JSON.stringify(small[0]));
    // Room for two small results, not three; the large one fits nowhere.
    const maxBytes = 2 * (oneSize + 1) + 2 + 10;
    const sent = [small[0]!, small[1]!, large, small[2]!, small[3]!];
    const carried = await publishAll(
      new MessageBatches(publisher, options({ maxBytes: () => maxBytes })),
      sent,
    );

    assert.deepEqual(
      carried.map((m) => m.map((r) => r.id)),
      [[small[0]!.id, small[1]!.id], [large.id], [small[2]!.id, small[3]!.id]],
    );
  });

  it('should send an on-demand result at once, alone, while scheduled ones wait for the window', async () => {
    const batches = new MessageBatches(publisher, options({ windowMs: 60_000 }));
    const before = messages.length;
    const scheduled = results(2);
    const waiting = scheduled.map((r) => batches.publish(r));
    const asked = checkResultFixture({ region, onDemand: true });
    await batches.publish(asked);

    await waitFor('the on-demand result seen', () => messages.length > before);
    assert.deepEqual(
      messages.slice(before).map((m) => m.map((r) => r.id)),
      [[asked.id]],
    );
    batches.flush();
    await Promise.all(waiting);
  });

  it('should fail every result of a message the bus did not take', async () => {
    const gone = await connect({ servers: NATS_URL });
    const goneCarrier = new JetStreamPublisher(gone);
    const batches = new MessageBatches(goneCarrier, options({ windowMs: 100 }));
    const sent = results(3).map((r) => batches.publish(r));
    await gone.close();

    const settled = await Promise.allSettled(sent);
    assert.deepEqual(
      settled.map((s) => s.status),
      ['rejected', 'rejected', 'rejected'],
    );
    goneCarrier.close();
  });

  it('should send what waits at once on flush', async () => {
    const batches = new MessageBatches(publisher, options({ windowMs: 60_000 }));
    const sent = results(2);
    const stored = Promise.all(sent.map((r) => batches.publish(r)));
    batches.flush();
    const started = Date.now();
    await stored;
    assert.ok(Date.now() - started < 5000, `stored after ${Date.now() - started} ms`);
  });
});
