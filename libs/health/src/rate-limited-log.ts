import type { Logger } from '@nestjs/common';

/**
 * Writes a warning at most once per period, saying how many were held back since the last one:
 * a flood of refusals (an abusive client, a full stream) must stay visible without drowning the
 * log. The Prometheus counter next to it carries the exact count.
 */
export class RateLimitedLog {
  private lastAt = Number.NEGATIVE_INFINITY;
  private held = 0;

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly periodMs = 10_000,
  ) {}

  warn(message: string, now = Date.now()): void {
    if (now - this.lastAt < this.periodMs) {
      this.held++;
      return;
    }
    const suffix = this.held > 0 ? ` (${this.held} more like it since the last report)` : '';
    this.lastAt = now;
    this.held = 0;
    this.logger.warn(`${message}${suffix}`);
  }
}
