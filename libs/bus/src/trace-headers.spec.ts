import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { inSpan, SpanKind } from '@uptime/tracing';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, headers, type Msg, type NatsConnection } from 'nats';
import { JetStreamPublisher } from './jetstream-publisher';
import { traceContextOf, withTraceContext } from './trace-headers';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

describe('trace context in NATS headers', () => {
  let nc: NatsConnection;
  let publisher: JetStreamPublisher;
  const stream = `TRACETEST_${randomUUID().slice(0, 8)}`;
  const subject = `tracetest.${stream}.item`;

  /** Publishes one message through the publisher and returns it as a subscriber receives it. */
  async function publishedWithin(
    work: (send: () => Promise<number>) => Promise<unknown>,
  ): Promise<Msg> {
    const sub = nc.subscribe(subject, { max: 1 });
    const received = (async () => {
      for await (const m of sub) return m;
      throw new Error('no message');
    })();
    await work(() => publisher.publish(subject, new Uint8Array([1]), randomUUID()));
    return received;
  }

  before(async () => {
    nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.add({ name: stream, subjects: [subject] });
    publisher = new JetStreamPublisher(nc);
  });
  after(async () => {
    publisher.close();
    await (await nc.jetstreamManager()).streams.delete(stream);
    await nc.close();
  });

  it('should add nothing while tracing is off', async () => {
    const m = await publishedWithin((send) =>
      inSpan('off', { kind: SpanKind.PRODUCER }, () => send()),
    );
    assert.equal(m.headers?.has('traceparent'), false);
    assert.equal(withTraceContext(undefined), undefined);
  });

  describe('with a tracer registered', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    before(() => provider.register({ propagator: new W3CTraceContextPropagator() }));
    after(async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
    });

    it("should carry the publisher's span, even though the message goes out a turn later", async () => {
      let sent: { traceId: string; spanId: string } | undefined;
      const m = await publishedWithin((send) =>
        inSpan('publish', { kind: SpanKind.PRODUCER }, async (span) => {
          sent = span.spanContext();
          await send();
        }),
      );
      const carried = trace.getSpanContext(traceContextOf(m.headers));
      assert.equal(carried?.traceId, sent?.traceId);
      assert.equal(carried?.spanId, sent?.spanId);
      assert.equal(carried?.isRemote, true);
    });

    it('should make the consumer span a child of the carried context', async () => {
      const m = await publishedWithin((send) =>
        inSpan('parent', { kind: SpanKind.PRODUCER }, () => send()),
      );
      await inSpan(
        'child',
        { kind: SpanKind.CONSUMER, parent: traceContextOf(m.headers) },
        async () => undefined,
      );
      const spans = exporter.getFinishedSpans();
      const parent = spans.find((s) => s.name === 'parent')!;
      const child = spans.find((s) => s.name === 'child')!;
      assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
      assert.equal(child.parentSpanContext?.spanId, parent.spanContext().spanId);
    });

    it('should start no trace from a message without one, nor from a forged header', async () => {
      assert.equal(trace.getSpanContext(traceContextOf(undefined)), undefined);
      const sub = nc.subscribe(`${subject}.forged`, { max: 1 });
      const h = headers();
      h.set('traceparent', '00-not-a-trace-id-0000000000000000-01');
      nc.publish(`${subject}.forged`, new Uint8Array(), { headers: h });
      for await (const m of sub)
        assert.equal(trace.getSpanContext(traceContextOf(m.headers)), undefined);
    });
  });
});
