import { Logger } from '@nestjs/common';
import type { Problem } from '@uptime/contracts';
import { RateLimitedLog } from '@uptime/health';
import { Counter, type Registry } from 'prom-client';

/** At most one log line per kind of refusal per this long; the counter sees every one. */
const LOG_EVERY_MS = 60_000;

/**
 * The requests the gateway refuses (every 4xx problem it answers, and each 503 that carries
 * `Retry-After`), counted by status and problem
 * type in `gateway_refused_requests_total`, and logged at most once a minute per type with how
 * many went unlogged.
 */
export class Refusals {
  private readonly logger = new Logger('Refusals');
  private readonly counter: Counter<'status' | 'type'>;
  private readonly logs = new Map<string, RateLimitedLog>();

  constructor(registry: Registry) {
    this.counter = new Counter({
      name: 'gateway_refused_requests_total',
      help: 'Requests the gateway refused with a 4xx problem (or a 503 with Retry-After), by status and problem type.',
      labelNames: ['status', 'type'],
      registers: [registry],
    });
  }

  record(method: string, path: string, problem: Problem, now = Date.now()): void {
    this.counter.inc({ status: String(problem.status), type: problem.type });
    this.logOf(problem.type).log(
      `refused ${method} ${path}: ${problem.status} ${problem.type}`,
      now,
    );
  }

  /** One log per problem type: a flood of one kind never hides the first of another. */
  private logOf(type: string): RateLimitedLog {
    let log = this.logs.get(type);
    if (!log) {
      log = new RateLimitedLog(this.logger, LOG_EVERY_MS);
      this.logs.set(type, log);
    }
    return log;
  }
}
