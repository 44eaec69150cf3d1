import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, JSONCodec, type NatsConnection, StringCodec } from 'nats';
import { Registry } from 'prom-client';
import { BusClient, ProblemError } from './bus-client';
import { NatsResponder } from './rpc';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** The client as the transport sees it: these subjects are the spec's own, outside the contracts. */
interface AnySubjectClient {
  request(subject: string, payload: unknown): Promise<unknown>;
}

/** A real responder and a real asker over the real NATS server (default max_payload, 1 MB). */
describe('NatsResponder', () => {
  const prefix = `rpctest.${randomUUID().slice(0, 8)}`;
  const subjects = { echo: `${prefix}.echo`, huge: `${prefix}.huge` };
  let responder: NatsResponder;
  let client: AnySubjectClient;
  let busClient: BusClient;
  let nc: NatsConnection;
  const registry = new Registry();

  before(async () => {
    responder = new NatsResponder(NATS_URL, prefix);
    responder.addHandler(subjects.echo, (data: unknown) => Promise.resolve(data));
    responder.addHandler(subjects.huge, () => Promise.resolve({ blob: 'x'.repeat(2_000_000) }));
    responder.reportTo(registry);
    await new Promise<void>((resolve, reject) =>
      responder.listen((err) => (err ? reject(err as Error) : resolve())),
    );
    busClient = BusClient.connect(NATS_URL, 'rpc-spec', 2000);
    client = busClient as unknown as AnySubjectClient;
    nc = await connect({ servers: NATS_URL });
  });
  after(async () => {
    await busClient.close();
    await responder.close();
    await nc.close();
  });

  const refused = async (reason: string) => {
    const name = `uptime_${prefix.replace(/[^A-Za-z0-9_]/g, '_')}_replies_refused_total`;
    const metric = await registry.getSingleMetric(name)!.get();
    return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  };
  const stillAnswers = async () =>
    assert.deepEqual(await client.request(subjects.echo, { n: 1 }), { n: 1 });

  it('should answer a reply too large for one message with a reply-too-large problem', async () => {
    await assert.rejects(client.request(subjects.huge, {}), (err: unknown) => {
      assert.ok(err instanceof ProblemError);
      assert.equal(err.problem.status, 500);
      assert.equal(err.problem.type, '/problems/reply-too-large');
      return true;
    });
    assert.equal(await refused('too_large'), 1);
    await stillAnswers();
  });

  it('should answer a request that is not JSON with a 400 problem', async () => {
    const reply = await nc.request(subjects.echo, StringCodec().encode('{not json'), {
      timeout: 2000,
    });
    const packet = JSONCodec<{ err?: { status: number } }>().decode(reply.data);
    assert.equal(packet.err?.status, 400);
    assert.equal(await refused('unreadable_request'), 1);
    await stillAnswers();
  });

  it('should turn a request too large to send into a 413 problem for the asker', async () => {
    await assert.rejects(
      client.request(subjects.echo, { blob: 'x'.repeat(2_000_000) }),
      (err: unknown) => err instanceof ProblemError && err.problem.status === 413,
    );
    await stillAnswers();
  });
});
