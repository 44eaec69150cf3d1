import { Counter, type Registry } from 'prom-client';
import type { BlockedReason } from './address-class';

export interface BlockedTargetLogOptions {
  /** The app's registry (`TELEMETRY`). */
  registry: Registry;
  /** Unique per process, since a single-process platform merges every app's registry. */
  metricName: string;
  /**
   * Where the rate-limited lines go, e.g. a Nest `Logger`: at info level, like the gateway's
   * refusals, since a refused target is a user's choice of URL, not a fault of the service.
   */
  logger: { log(message: string): void };
  /** At most one log line per this many milliseconds; the rest are counted into the next. */
  logEveryMs?: number;
  now?: () => number;
}

/**
 * Makes refusals of the target guard visible to the operator: every one is counted by reason,
 * and logged at most once a minute with how many went unlogged, so a user pointing thousands of
 * monitors at 127.0.0.1 cannot flood the log.
 */
export class BlockedTargetLog {
  private readonly total: Counter<'reason'>;
  private readonly logEveryMs: number;
  private readonly now: () => number;
  private lastLoggedAt = Number.NEGATIVE_INFINITY;
  private unlogged = 0;

  constructor(private readonly options: BlockedTargetLogOptions) {
    this.total = new Counter({
      name: options.metricName,
      help: 'Requests refused by the target guard (private, reserved or cloud metadata address)',
      labelNames: ['reason'],
      registers: [options.registry],
    });
    this.logEveryMs = options.logEveryMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** `what`: the refused request in words, e.g. `check of monitor 42: 127.0.0.1 is a loopback…`. */
  record(reason: BlockedReason, what: string): void {
    this.total.inc({ reason });
    const now = this.now();
    if (now - this.lastLoggedAt < this.logEveryMs) {
      this.unlogged++;
      return;
    }
    const more = this.unlogged ? ` (and ${this.unlogged} more since the last report)` : '';
    this.options.logger.log(`refused by the target guard: ${what}${more}`);
    this.lastLoggedAt = now;
    this.unlogged = 0;
  }
}
