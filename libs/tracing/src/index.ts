export { inSpan, SpanKind, startTracing, tracer, type SpanOptions, type Tracing } from './tracing';
