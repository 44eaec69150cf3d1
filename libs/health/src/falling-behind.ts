import type { Logger } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { Counter, Gauge, type Registry } from 'prom-client';
import { RateLimitedLog } from './rate-limited-log';

/** Misses and lag are judged over the last minute. */
const WINDOW_MS = 60_000;

export interface FallingBehindOptions {
  /** Metric name prefix: `uptime_scheduler` gives `uptime_scheduler_missed_slots_total{reason}`. */
  metricPrefix: string;
  /** What falls behind, for the log line: `the scheduler`, `prober local`. */
  subject: string;
  /** The reasons a slot may be missed for, each a series of the counter from the start. */
  reasons: readonly string[];
  /** What an operator can do about it, ending the warning. */
  advice: string;
  registry: Registry;
  logger: Pick<Logger, 'log' | 'warn'>;
  /** A lag above this (with nothing missed) is already `degraded`. */
  lagLimitMs?: number;
}

/**
 * Keeps count of the slots a service could not check (by reason) and of how late it runs the
 * others, over the last minute, so that falling behind is never silent: a counter per reason,
 * a lag gauge, a warning at most once a minute naming the lag and the checks missed per
 * minute, and a readiness entry that says `degraded` with the reason.
 */
export class FallingBehind {
  private readonly log: RateLimitedLog;
  private readonly missedTotal: Counter<'reason'>;
  /** Per second (epoch s): misses by reason, and the worst lag seen in that second. */
  private readonly seconds = new Map<number, { missed: Map<string, number>; lagMs: number }>();
  private readonly lagLimitMs: number;

  constructor(private readonly options: FallingBehindOptions) {
    this.log = new RateLimitedLog(options.logger, WINDOW_MS);
    this.lagLimitMs = options.lagLimitMs ?? 10_000;
    this.missedTotal = new Counter({
      name: `${options.metricPrefix}_missed_slots_total`,
      help: 'Slots not checked, by reason (late, no_prober, dropped, unpublished): each is recorded as missed',
      labelNames: ['reason'],
      registers: [options.registry],
    });
    for (const reason of options.reasons) this.missedTotal.inc({ reason }, 0);
    const lagSeconds = () => this.worstLagMs(Date.now()) / 1000;
    new Gauge({
      name: `${options.metricPrefix}_lag_seconds`,
      help: 'Worst lag behind the schedule within the last minute (a slot handled this long after it was due)',
      registers: [options.registry],
      collect() {
        this.set(lagSeconds());
      },
    });
  }

  /** A slot handled `lagMs` after it was due (on time or not). */
  lag(lagMs: number, now = Date.now()): void {
    const second = this.second(now);
    if (lagMs > second.lagMs) second.lagMs = lagMs;
    if (lagMs > this.lagLimitMs) this.warn(now);
  }

  /** `count` slots not checked for `reason`, noticed `lagMs` after they were due. */
  missed(reason: string, count: number, lagMs: number, now = Date.now()): void {
    if (count <= 0) return;
    this.missedTotal.inc({ reason }, count);
    const second = this.second(now);
    second.missed.set(reason, (second.missed.get(reason) ?? 0) + count);
    if (lagMs > second.lagMs) second.lagMs = lagMs;
    this.warn(now);
  }

  /** Why the service is behind now, or undefined when it keeps up. */
  degradedReason(now = Date.now()): string | undefined {
    const missed = this.missedByReason(now);
    const total = [...missed.values()].reduce((a, b) => a + b, 0);
    const lagMs = this.worstLagMs(now);
    if (total === 0 && lagMs <= this.lagLimitMs) return undefined;
    return `${this.options.subject} falls behind: lag ${(lagMs / 1000).toFixed(1)} s, ${total} checks missed in the last minute${this.detail(missed)}`;
  }

  /**
   * The readiness entry: `degraded` with its reason while behind, yet `up`. A service that is
   * behind still does its work, only late; taking it out of service would only add to the lag
   * (and, with `npm start`, take the gateway down with it).
   */
  readiness(key: string): () => Promise<HealthIndicatorResult> {
    return async () => {
      const reason = this.degradedReason();
      if (!reason) return { [key]: { status: 'up', state: 'ok' } };
      return { [key]: { status: 'up', state: 'degraded', message: reason } };
    };
  }

  /**
   * Called on every miss and every late slot, i.e. on every job while behind: the reason (a walk
   * over the minute's seconds) is worked out only when the rate-limited line is written.
   */
  private warn(now: number): void {
    this.log.warn(() => {
      const reason = this.degradedReason(now) ?? `${this.options.subject} falls behind`;
      return `${reason}; ${this.options.advice}`;
    }, now);
  }

  private detail(missed: Map<string, number>): string {
    const parts = [...missed].filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`);
    return parts.length > 0 ? ` (${parts.join(', ')})` : '';
  }

  private missedByReason(now: number): Map<string, number> {
    this.prune(now);
    const total = new Map<string, number>();
    for (const { missed } of this.seconds.values())
      for (const [reason, n] of missed) total.set(reason, (total.get(reason) ?? 0) + n);
    return total;
  }

  private worstLagMs(now: number): number {
    this.prune(now);
    let worst = 0;
    for (const { lagMs } of this.seconds.values()) worst = Math.max(worst, lagMs);
    return worst;
  }

  private second(now: number) {
    this.prune(now);
    const key = Math.floor(now / 1000);
    let entry = this.seconds.get(key);
    if (!entry) {
      entry = { missed: new Map(), lagMs: 0 };
      this.seconds.set(key, entry);
    }
    return entry;
  }

  private prune(now: number): void {
    const oldest = Math.floor((now - WINDOW_MS) / 1000);
    for (const key of this.seconds.keys()) {
      if (key > oldest) return;
      this.seconds.delete(key);
    }
  }
}
