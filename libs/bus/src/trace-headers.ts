import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from 'nats';

const setter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/**
 * Writes the W3C trace context (`traceparent`, `tracestate`) of `ctx` into a message's headers,
 * so the service that reads the message continues the trace. Nothing is written, and no headers
 * are made, outside a span (tracing off, or work no request started).
 */
export function withTraceContext(
  headers: MsgHdrs | undefined,
  ctx: Context = context.active(),
): MsgHdrs | undefined {
  if (!trace.getSpan(ctx)) return headers;
  const carrier = headers ?? natsHeaders();
  propagation.inject(ctx, carrier, setter);
  return carrier;
}

/** The trace context a message carries (the root context when it carries none). */
export function traceContextOf(headers: MsgHdrs | undefined): Context {
  if (!headers) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers, traceHeaderGetter);
}

const traceHeaderGetter: TextMapGetter<MsgHdrs> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => (carrier.has(key) ? carrier.get(key) : undefined),
};
