import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  ClientProxy,
  ClientProxyFactory,
  NatsRecordBuilder,
  Transport,
} from '@nestjs/microservices';
import { context, trace } from '@opentelemetry/api';
import {
  isProblem,
  type Problem,
  Problems,
  type ReplyOf,
  type RequestInput,
  type RequestSubject,
} from '@uptime/contracts';
import { RateLimitedLog } from '@uptime/health';
import { inSpan, SpanKind } from '@uptime/tracing';
import { ErrorCode, NatsError } from 'nats';
import { firstValueFrom, timeout } from 'rxjs';
import { withTraceContext } from './trace-headers';

/** A failure another service answered with, or the bus's own failure, as a problem. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ProblemError';
  }
}

/**
 * Request/reply over NATS (Nest's transport, core NATS, at most once): for questions whose
 * asker waits for the answer and can retry. A reply that is a problem becomes a ProblemError;
 * silence becomes a 503 problem, never a hang; a request too large for one message is a 413.
 */
export class BusClient implements OnApplicationShutdown {
  private readonly logger = new Logger(BusClient.name);
  private readonly tooLarge = new RateLimitedLog(this.logger);
  private readonly afterClose = new RateLimitedLog(this.logger);
  /** Set by the first request: the transport connects then, not before. */
  private asked = false;
  private closed = false;

  constructor(
    private readonly proxy: ClientProxy,
    private readonly defaultTimeoutMs = 5000,
  ) {}

  static connect(natsUrl: string, name: string, defaultTimeoutMs?: number): BusClient {
    const proxy = ClientProxyFactory.create({
      transport: Transport.NATS,
      options: { servers: [natsUrl], name, maxReconnectAttempts: -1, reconnectTimeWait: 500 },
    });
    return new BusClient(proxy, defaultTimeoutMs);
  }

  /**
   * Asks `subject`: the payload and the answer are typed by the subject's contract. Asked within
   * a trace (a request the gateway serves), the question is a span of it and carries its context.
   */
  request<S extends RequestSubject>(
    subject: S,
    payload: RequestInput<S>,
    timeoutMs = this.defaultTimeoutMs,
  ): Promise<ReplyOf<S>> {
    if (!trace.getSpan(context.active())) return this.ask(subject, payload, timeoutMs);
    return inSpan(
      `${subject} request`,
      { kind: SpanKind.CLIENT, attributes: { 'messaging.system': 'nats' } },
      () => this.ask(subject, payload, timeoutMs),
    );
  }

  private async ask<S extends RequestSubject>(
    subject: S,
    payload: RequestInput<S>,
    timeoutMs: number,
  ): Promise<ReplyOf<S>> {
    // The transport would open a new connection for a request after close(), and nothing
    // would ever close that one: the process could not exit.
    if (this.closed) {
      this.afterClose.log(`${subject}: asked after the bus client closed (shutting down)`);
      throw new ProblemError(Problems.unavailable('The service is shutting down.'));
    }
    this.asked = true;
    const headers = withTraceContext(undefined);
    const data = headers ? new NatsRecordBuilder(payload).setHeaders(headers).build() : payload;
    try {
      return await firstValueFrom(
        this.proxy.send<ReplyOf<S>>(subject, data).pipe(timeout(timeoutMs)),
      );
    } catch (err) {
      if (isProblem(err)) throw new ProblemError(err);
      if (isTooLarge(err)) {
        this.tooLarge.log(`${subject}: the request is larger than one NATS message carries`);
        throw new ProblemError(requestTooLarge());
      }
      this.logger.warn(`${subject} failed: ${describe(err)}`);
      throw new ProblemError(
        Problems.unavailable(`A backing service did not answer (${subject}).`),
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // A connection the first request is still opening would be stored after the transport's
    // close() and stay open: wait for it, then close.
    if (this.asked) await this.proxy.connect().catch(() => undefined);
    await this.proxy.close();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}

function isTooLarge(err: unknown): boolean {
  return err instanceof NatsError && err.code === ErrorCode.MaxPayloadExceeded;
}

/** The caller sent more than the bus can forward in one message (its content, not ours). */
function requestTooLarge(): Problem {
  return {
    type: '/problems/request-too-large',
    title: 'Payload too large',
    status: 413,
    detail: 'The request is too large to forward; send less at once.',
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return JSON.stringify(err);
}
