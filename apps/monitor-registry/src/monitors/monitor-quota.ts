import { Inject, Injectable, Logger } from '@nestjs/common';
import { rpcProblem } from '@uptime/bus';
import { Problems } from '@uptime/contracts';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import { Counter, type Registry } from 'prom-client';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config';
import { MonitorRepository } from './monitor.repository';

/**
 * How many monitors a team may own (`MAX_MONITORS_PER_USER`, named before teams existed). The count and the insert it
 * allows must happen under one per-owner lock held until commit: without it two concurrent
 * requests each see room for themselves and together pass the quota.
 */
@Injectable()
export class MonitorQuota {
  private readonly log = new RateLimitedLog(new Logger(MonitorQuota.name));
  private readonly refusals: Counter;

  constructor(
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    @Inject(TELEMETRY) registry: Registry,
    private readonly monitors: MonitorRepository,
  ) {
    this.refusals = new Counter({
      name: 'uptime_registry_monitor_quota_refusals_total',
      help: 'Monitor creations refused because the owner would pass MAX_MONITORS_PER_USER',
      registers: [registry],
    });
  }

  /**
   * Inside the transaction that inserts `adding` monitors: waits for the owner's lock (released
   * at commit or rollback), then refuses with a 403 problem if they would not fit.
   */
  async reserve(ownerId: string, adding: number): Promise<void> {
    const owned = await this.monitors.countOwnedLocked(ownerId);
    const max = this.config.maxMonitorsPerUser;
    if (owned + adding <= max) return;
    this.refusals.inc();
    this.log.log(`monitor quota: refused ${adding} new monitor(s) for an owner of ${owned}`);
    throw rpcProblem(
      Problems.quotaExceeded(
        `The team has ${owned} monitors; adding ${adding} would pass the limit of ${max} monitors per team (MAX_MONITORS_PER_USER). Delete monitors or ask the operator to raise it.`,
      ),
    );
  }
}
