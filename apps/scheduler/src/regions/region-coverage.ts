import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NATS_CONNECTION, ProberPresenceWatch } from '@uptime/bus';
import { type Monitor, ProberPresenceBucket } from '@uptime/contracts';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import type { NatsConnection } from 'nats';
import { Gauge, type Registry } from 'prom-client';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

/** A region the leader published to within this long still needs a prober. */
const RECENT_PUBLISH_MS = 60_000;

/**
 * Which regions have live probers (the `probers` KV bucket), for two decisions: where a monitor
 * that names no region runs, and whether jobs are going to a region nobody takes them from —
 * logged (rate-limited), gauged, and reported by `/health/ready`.
 */
@Injectable()
export class RegionCoverage implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new RateLimitedLog(new Logger(RegionCoverage.name), 60_000);
  private readonly watch = new ProberPresenceWatch();
  private readonly lastPublishedAt = new Map<string, number>();
  private watchingSince = Number.POSITIVE_INFINITY;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    const probersByRegion = () =>
      this.knownRegions().map((region) => [region, this.watch.liveProbers(region)] as const);
    const unserved = () => this.unservedRegions().length;
    new Gauge({
      name: 'uptime_scheduler_region_probers',
      help: 'Live probers of each region the scheduler knows (configured or published to)',
      labelNames: ['region'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [region, probers] of probersByRegion()) this.set({ region }, probers);
      },
    });
    new Gauge({
      name: 'uptime_scheduler_unserved_regions',
      help: 'Regions that got probe jobs within the last minute and have no live prober to take them',
      registers: [registry],
      collect() {
        this.set(unserved());
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.watch.start(this.nc);
    this.watchingSince = Date.now();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.watch.stop();
  }

  /**
   * A monitor's regions, or, when it names none (created by an older gateway or from a
   * configuration document), the configured regions with live probers now; all configured
   * ones when none is live, so its jobs wait for the probers instead of not existing.
   */
  regionsOf(monitor: Monitor): string[] {
    if (monitor.regions.length > 0) return monitor.regions;
    const live = new Set(this.watch.liveRegions());
    const served = this.config.defaultRegions.filter((region) => live.has(region));
    return served.length > 0 ? served : this.config.defaultRegions;
  }

  /** Called by the leader after publishing: remembers the regions and warns about unserved ones. */
  published(regions: Iterable<string>, nowMs = Date.now()): void {
    for (const region of regions) this.lastPublishedAt.set(region, nowMs);
    const unserved = this.unservedRegions(nowMs);
    if (unserved.length === 0) return;
    this.log.warn(
      `probe jobs published for ${unserved.join(', ')} where no prober is live: they wait in PROBE_JOBS until one starts (check REGION of the probers against REGIONS)`,
      nowMs,
    );
  }

  /**
   * Regions published to within the last minute that have no live prober. Empty for a few
   * seconds after start, while probers started with this process (`npm start`) announce.
   */
  unservedRegions(nowMs = Date.now()): string[] {
    if (nowMs - this.watchingSince < ProberPresenceBucket.refreshMs) return [];
    return [...this.lastPublishedAt]
      .filter(([, at]) => nowMs - at <= RECENT_PUBLISH_MS)
      .filter(([region]) => this.watch.liveProbers(region, nowMs) === 0)
      .map(([region]) => region)
      .sort();
  }

  /**
   * False only when the region is known to have no live prober; true during the first seconds
   * after start, while probers started with this process announce.
   */
  isServed(region: string, nowMs = Date.now()): boolean {
    if (nowMs - this.watchingSince < ProberPresenceBucket.refreshMs) return true;
    return this.watch.liveProbers(region, nowMs) > 0;
  }

  private knownRegions(): string[] {
    return [...new Set([...this.config.defaultRegions, ...this.lastPublishedAt.keys()])];
  }
}
