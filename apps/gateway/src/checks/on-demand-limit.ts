import { Inject, Injectable } from '@nestjs/common';
import { ProblemError } from '@uptime/bus';
import { Problems } from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import { Counter, type Registry } from 'prom-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { TokenBuckets } from './token-buckets';

/** Refused: the client may try again after `retryAfterSeconds` (the `Retry-After` header). */
export class OnDemandCheckRefused extends ProblemError {
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super(Problems.tooManyRequests(detail));
  }
}

/**
 * Limits on-demand checks per caller (a person or an API key) and per monitor, whoever in its
 * team asks: each one costs a prober a real request to
 * someone's server, so an unlimited button is a way to flood probers and targets. Kept in this
 * gateway's memory: with several gateway replicas the limit holds per replica (at most
 * replicas × limit in all), which bounds the load without a NATS round trip on every request.
 */
@Injectable()
export class OnDemandCheckLimit {
  private readonly perUser: TokenBuckets;
  private readonly perMonitor: TokenBuckets;
  private readonly refusals: Counter<'scope'>;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    this.perUser = new TokenBuckets(config.onDemandChecksPerMinutePerUser);
    this.perMonitor = new TokenBuckets(config.onDemandChecksPerMinutePerMonitor);
    this.refusals = new Counter({
      name: 'uptime_gateway_on_demand_checks_refused_total',
      help: 'On-demand checks refused by the rate limit, by the limit that refused them',
      labelNames: ['scope'],
      registers: [registry],
    });
  }

  /** Counts one check of this monitor by this caller, or throws a 429 with the wait. */
  admit(callerId: string, monitorId: string, now = Date.now()): void {
    const monitorKey = monitorId.toLowerCase();
    const monitorWait = this.perMonitor.waitMs(monitorKey, now);
    if (monitorWait > 0)
      this.refuse(
        'monitor',
        monitorWait,
        `At most ${this.config.onDemandChecksPerMinutePerMonitor} on-demand checks per minute per monitor.`,
      );
    const userWait = this.perUser.waitMs(callerId, now);
    if (userWait > 0)
      this.refuse(
        'user',
        userWait,
        `At most ${this.config.onDemandChecksPerMinutePerUser} on-demand checks per minute per user.`,
      );
    this.perMonitor.take(monitorKey, now);
    this.perUser.take(callerId, now);
  }

  private refuse(scope: 'user' | 'monitor', waitMs: number, detail: string): never {
    // The problem filter logs every refusal (once a minute per type) and counts it by status;
    // this counter says which limit refused.
    this.refusals.inc({ scope });
    throw new OnDemandCheckRefused(detail, Math.max(1, Math.ceil(waitMs / 1000)));
  }
}
