import { Inject, Injectable, Logger } from '@nestjs/common';
import { ProblemError } from '@uptime/bus';
import type { Problem } from '@uptime/contracts';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import { Counter, type Registry } from 'prom-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { RegionDirectory } from '../regions/region-directory';

/** Probers announce their lag every 5 s: a deferred import asks again about then. */
export const DEFERRED_RETRY_AFTER_SECONDS = 5;

/** A bulk import put off while probers are behind: 503, `Retry-After`, nothing created. */
export class ImportDeferred extends ProblemError {
  readonly retryAfterSeconds = DEFERRED_RETRY_AFTER_SECONDS;

  constructor(lagMs: number, limitSeconds: number) {
    const problem: Problem = {
      type: '/problems/probers-behind',
      title: 'Probers behind their schedule',
      status: 503,
      detail: `Probers start checks ${(lagMs / 1000).toFixed(1)} s late (more than BULK_CREATE_MAX_PROBE_LAG_SECONDS, ${limitSeconds} s): bulk creation waits until they catch up. Nothing was created; send the same request again after Retry-After.`,
    };
    super(problem);
  }
}

/**
 * Puts bulk imports off while a live prober of a region they would run in starts scheduled
 * checks late. Importing costs the
 * same CPU that checks need: 150,000 monitors created as fast as the API takes them left a
 * one-host platform more than an interval behind, and one running near its capacity never
 * caught up, every monitor checked late from then on. Checks come first: the import goes on as
 * soon as the probers announce (every 5 s) that they keep up again. A single create is never
 * deferred.
 */
@Injectable()
export class ImportDeferral {
  private readonly deferred: Counter;
  /** What an operator should know (probers short of capacity), once a minute at most. */
  private readonly log = new RateLimitedLog(new Logger(ImportDeferral.name), 60_000);

  constructor(
    private readonly directory: RegionDirectory,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    this.deferred = new Counter({
      name: 'uptime_gateway_bulk_creates_deferred_total',
      help: 'Bulk monitor creations answered 503 with Retry-After because a prober started checks later than BULK_CREATE_MAX_PROBE_LAG_SECONDS',
      registers: [registry],
    });
  }

  /** Throws `ImportDeferred` while a live prober of these regions is further behind than the limit. */
  assertProbersKeepUp(regions: ReadonlySet<string>): void {
    const lagMs = this.directory.worstProbeLagMs(regions);
    const limitSeconds = this.config.bulkCreateMaxProbeLagSeconds;
    if (lagMs <= limitSeconds * 1000) return;
    this.deferred.inc();
    this.log.warn(
      () =>
        `bulk monitor creation deferred: probers start checks ${(lagMs / 1000).toFixed(1)} s late (BULK_CREATE_MAX_PROBE_LAG_SECONDS ${limitSeconds}); imports go on once they catch up. Probers short of capacity: add replicas or raise PROBE_CONCURRENCY`,
    );
    throw new ImportDeferred(lagMs, limitSeconds);
  }
}
