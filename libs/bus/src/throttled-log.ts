import type { Logger } from '@nestjs/common';

/**
 * One line per interval for a kind of event, then how many were left out: a flood of the same
 * refusal says so once every ten seconds instead of filling the log.
 */
export class ThrottledLog {
  private lastAt = Number.NEGATIVE_INFINITY;
  private leftOut = 0;

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
    private readonly intervalMs = 10_000,
  ) {}

  warn(message: string, now = Date.now()): void {
    this.emit('warn', message, now);
  }

  error(message: string, now = Date.now()): void {
    this.emit('error', message, now);
  }

  private emit(level: 'warn' | 'error', message: string, now: number): void {
    if (now - this.lastAt < this.intervalMs) {
      this.leftOut++;
      return;
    }
    const more = this.leftOut > 0 ? ` (and ${this.leftOut} more since the last report)` : '';
    this.lastAt = now;
    this.leftOut = 0;
    this.logger[level](`${message}${more}`);
  }
}
