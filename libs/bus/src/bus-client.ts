import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import {
  isProblem,
  type Problem,
  Problems,
  type ReplyOf,
  type RequestInput,
  type RequestSubject,
} from '@uptime/contracts';
import { RateLimitedLog } from '@uptime/health';
import { ErrorCode, NatsError } from 'nats';
import { firstValueFrom, timeout } from 'rxjs';

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

  /** Asks `subject`: the payload and the answer are typed by the subject's contract. */
  async request<S extends RequestSubject>(
    subject: S,
    payload: RequestInput<S>,
    timeoutMs = this.defaultTimeoutMs,
  ): Promise<ReplyOf<S>> {
    try {
      return await firstValueFrom(
        this.proxy.send<ReplyOf<S>>(subject, payload).pipe(timeout(timeoutMs)),
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

  close(): Promise<void> {
    return this.proxy.close();
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
