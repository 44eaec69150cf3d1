import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NATS_CONNECTION, ProberPresenceWatch, RegionIncidentWatch } from '@uptime/bus';
import type { Region } from '@uptime/contracts';
import type { NatsConnection } from 'nats';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/**
 * The platform's regions as the probers announce them (`probers` KV bucket) with the open region
 * incidents the notifier publishes (`region_incidents`): their states for `GET /regions`, and
 * the regions a new monitor runs from when it names none.
 */
@Injectable()
export class RegionDirectory implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly watch = new ProberPresenceWatch();
  private readonly incidents = new RegionIncidentWatch();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all([this.watch.start(this.nc), this.incidents.start(this.nc)]);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.watch.stop(), this.incidents.stop()]);
  }

  /** The configured regions (`REGIONS`) first, then any other a live prober announces. */
  regions(nowMs = Date.now()): Region[] {
    return this.watch.regions(this.config.defaultRegions, nowMs, this.incidents.incidents(nowMs));
  }

  /** How late the furthest-behind live prober of these regions starts checks (0: none says). */
  worstProbeLagMs(regions: ReadonlySet<string>, nowMs = Date.now()): number {
    return this.regions(nowMs)
      .filter((region) => regions.has(region.name))
      .reduce((worst, region) => Math.max(worst, region.lagMs ?? 0), 0);
  }

  /** Regions with at least one live prober now. */
  liveRegions(): string[] {
    return this.watch.liveRegions();
  }

  /**
   * Where a new monitor that names no region runs: the configured regions that have a live
   * prober now; when none has (a platform starting, every prober away), all configured ones,
   * so the monitor is checked as soon as probers come back instead of nowhere.
   */
  defaultRegions(): string[] {
    const live = new Set(this.watch.liveRegions());
    const served = this.config.defaultRegions.filter((region) => live.has(region));
    return served.length > 0 ? served : [...this.config.defaultRegions];
  }
}
