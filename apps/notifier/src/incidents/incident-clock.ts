import type { Logger } from '@nestjs/common';

/**
 * The timer of the notifier's incident clocks (slots, reminders, region passes): a pass every
 * `everyMs`, never two at once in one process (a slow pass makes the next tick skip), a failed
 * pass logged and tried again at the next tick, and a stop that waits for the pass under way.
 * Replicas run their own; each pass locks what it decides, so they never decide twice.
 */
export class IncidentClock {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly what: string,
    private readonly everyMs: number,
    private readonly pass: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** Starts ticking; with `now`, a first pass runs at once rather than after `everyMs`. */
  start(options: { now?: boolean } = {}): void {
    if (options.now) this.tick();
    this.timer = setInterval(() => this.tick(), this.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    this.running ??= this.pass()
      .catch((err: unknown) => this.logger.warn(`${this.what} pass failed: ${String(err)}`))
      .finally(() => (this.running = undefined));
  }
}
