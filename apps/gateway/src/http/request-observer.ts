import { Logger } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';
import { SpanKind, tracer } from '@uptime/tracing';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { Counter, Histogram, type Registry } from 'prom-client';

/** A caller's request id is kept when it is short and plain (a UUID, a ULID, a hex id). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The route label of a request no route took (a 404, or one refused before routing). */
const UNMATCHED = '(unmatched)';

/** Probes and scrapers call these every few seconds: their lines only at debug. */
const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

export interface RequestLogEntry {
  method: string;
  /** The route's pattern (`/api/v1/monitors/:id`), never the path: a path can hold a token. */
  route: string;
  status: number;
  durationMs: number;
  requestId: string;
}

/**
 * Every HTTP request the gateway answers: a request id (the caller's `X-Request-Id` when sane,
 * else a new one, returned in the response header), one log line, the RED metrics
 * `http_requests_total` and `http_request_duration_seconds` by method, route pattern and status,
 * and a server span that the request's NATS messages carry on to the other services.
 */
export class RequestObserver {
  private readonly logger = new Logger('HTTP');
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly seconds: Histogram<'method' | 'route' | 'status'>;

  constructor(registry: Registry) {
    const labelNames = ['method', 'route', 'status'] as const;
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames,
      registers: [registry],
    });
    this.seconds = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route pattern and status',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }

  /** Express middleware; registered first, so refused requests are observed too. */
  readonly observe = (req: Request, res: Response, next: NextFunction): void => {
    const startedAt = performance.now();
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    // A traced proxy in front may have started the trace (W3C `traceparent`).
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer().startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } },
      parent,
    );
    span.setAttribute('uptime.request_id', requestId);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.record(
        span,
        {
          method: req.method,
          route: routeOf(req),
          // A response cut short (the client went away) never got a status of its own.
          status: res.writableFinished ? res.statusCode : 499,
          durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
          requestId,
        },
        res.hasHeader('retry-after'),
      );
    };
    res.once('finish', finish);
    res.once('close', finish);
    context.with(trace.setSpan(parent, span), next);
  };

  /** `toldWhenToRetry`: a refusal by design (503 with `Retry-After`), no fault: not a warning. */
  private record(span: Span, entry: RequestLogEntry, toldWhenToRetry: boolean): void {
    const labels = { method: entry.method, route: entry.route, status: String(entry.status) };
    this.requests.inc(labels);
    this.seconds.observe(labels, entry.durationMs / 1000);
    span.updateName(`${entry.method} ${entry.route}`);
    span.setAttributes({ 'http.route': entry.route, 'http.response.status_code': entry.status });
    span.end();
    if (QUIET_ROUTES.has(entry.route)) this.logger.debug(entry);
    else if (entry.status >= 500 && !toldWhenToRetry) this.logger.warn(entry);
    else this.logger.log(entry);
  }
}

function requestIdOf(given: string | string[] | undefined): string {
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The pattern of the route that took the request (`/api/v1/monitors/:id`), else `(unmatched)`. */
export function routeOf(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : UNMATCHED;
}
