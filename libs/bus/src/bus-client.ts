import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { type Problem, Problems, isProblem } from '@uptime/contracts';
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
 * silence becomes a 503 problem, never a hang.
 */
export class BusClient implements OnApplicationShutdown {
  private readonly logger = new Logger(BusClient.name);

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

  async request<T>(
    subject: string,
    payload: unknown,
    timeoutMs = this.defaultTimeoutMs,
  ): Promise<T> {
    try {
      return await firstValueFrom(this.proxy.send<T>(subject, payload).pipe(timeout(timeoutMs)));
    } catch (err) {
      if (isProblem(err)) throw new ProblemError(err);
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

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return JSON.stringify(err);
}
