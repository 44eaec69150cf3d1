import { Counter, type Registry } from 'prom-client';
import type { BlockedReason } from './address-class';

export interface BlockedTargetLogOptions {
  /** The app's registry (`TELEMETRY`). */
  registry: Registry;
  /** Unique per process, since a single-process platform merges every app's registry. */
  metricName: string;
  /**
   * Where refusals are written: a `RateLimitedLog` of `@uptime/health`, so a user aiming many
   * monitors or channels at 127.0.0.1 cannot flood the log. `log` (info), as the gateway's
   * refusals: a refused target is a user's choice of URL, not a fault of the service.
   */
  log: { log(message: string): void };
}

/** Makes refusals of the target guard visible to the operator: counted by reason, and logged. */
export class BlockedTargetLog {
  private readonly total: Counter<'reason'>;

  constructor(private readonly options: BlockedTargetLogOptions) {
    this.total = new Counter({
      name: options.metricName,
      help: 'Requests refused by the target guard (private, reserved or cloud metadata address)',
      labelNames: ['reason'],
      registers: [options.registry],
    });
  }

  /** `what`: the refused request in words, e.g. `check: 127.0.0.1 is a loopback address…`. */
  record(reason: BlockedReason, what: string): void {
    this.total.inc({ reason });
    this.options.log.log(`refused by the target guard: ${what}`);
  }
}
