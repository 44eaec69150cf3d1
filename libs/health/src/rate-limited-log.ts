import type { Logger } from '@nestjs/common';

/**
 * Writes a line at most once per period, saying how many were held back since the last one: a
 * flood of refusals (an abusive client, a full stream) must stay visible without drowning the
 * log. The Prometheus counter next to it carries the exact count. `log` for refusals of a
 * client's request (info, as the gateway's refusals), `warn` for what an operator must fix.
 */
export class RateLimitedLog {
  private lastAt = Number.NEGATIVE_INFINITY;
  private held = 0;

  constructor(
    private readonly logger: Pick<Logger, 'log' | 'warn'>,
    private readonly periodMs = 10_000,
  ) {}

  /**
   * `message` may be a function: it is called only for a line that is written, so a caller on a
   * hot path (every job while a service falls behind) does not build a line that is held back.
   */
  log(message: string | (() => string), now = Date.now()): void {
    const line = this.admit(message, now);
    if (line) this.logger.log(line);
  }

  warn(message: string | (() => string), now = Date.now()): void {
    const line = this.admit(message, now);
    if (line) this.logger.warn(line);
  }

  private admit(message: string | (() => string), now: number): string | undefined {
    if (now - this.lastAt < this.periodMs) {
      this.held++;
      return undefined;
    }
    const suffix = this.held > 0 ? ` (${this.held} more like it since the last report)` : '';
    this.lastAt = now;
    this.held = 0;
    return `${typeof message === 'function' ? message() : message}${suffix}`;
  }
}
