import {
  type Attributes,
  type Context,
  context,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export { SpanKind };

/** What a started tracer offers its app: spans written so far sent now, and a clean stop. */
export interface Tracing {
  readonly enabled: boolean;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const OFF: Tracing = {
  enabled: false,
  flush: async () => undefined,
  shutdown: async () => undefined,
};

/** One provider per process: the single-process platform's apps share the first one started. */
let started: Tracing | undefined;

/**
 * Starts exporting spans over OTLP/HTTP (JSON) to `endpoint` (`/v1/traces` is appended, as
 * OpenTelemetry's `OTEL_EXPORTER_OTLP_ENDPOINT` means it), with W3C trace context as the one
 * propagator. Without an endpoint nothing is registered: the API's no-op tracer stays, so a span
 * costs a function call and headers carry nothing.
 */
export function startTracing(serviceName: string, endpoint: string | undefined): Tracing {
  if (started) return started;
  if (!endpoint) return OFF;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }),
      ),
    ],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  let stopping: Promise<void> | undefined;
  started = {
    enabled: true,
    flush: () => provider.forceFlush(),
    shutdown: () =>
      (stopping ??= provider.shutdown().finally(() => {
        started = undefined;
        trace.disable();
      })),
  };
  return started;
}

/** The platform's tracer; a no-op until {@link startTracing} registered a provider. */
export function tracer() {
  return trace.getTracer('uptime-platform');
}

export interface SpanOptions {
  kind: SpanKind;
  attributes?: Attributes;
  /** The span's parent (a message's trace context); the active context when omitted. */
  parent?: Context;
  /** Other messages' contexts a batch span stands for. */
  links?: Link[];
}

/**
 * Runs `work` inside a new span, active for everything it awaits (so a message it publishes
 * carries the span's context), and ends the span when `work` settles; a thrown error marks it.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { kind: options.kind, attributes: options.attributes, links: options.links },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
    throw err;
  } finally {
    span.end();
  }
}
