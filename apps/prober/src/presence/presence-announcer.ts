import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NATS_CONNECTION, openProberPresence } from '@uptime/bus';
import {
  PLATFORM_VERSION,
  type ProberPresence,
  ProberPresenceBucket,
  proberPresenceKey,
} from '@uptime/contracts';
import { RateLimitedLog } from '@uptime/health';
import type { KV, NatsConnection } from 'nats';
import { hostname } from 'node:os';
import { PROBER_CONFIG, type ProberConfig } from '../config';
import { ProbeWorker } from '../probes/probe-worker';
import { ProberCanary } from './prober-canary';

/**
 * Tells the platform this prober is alive: its key in the `probers` bucket, rewritten every
 * few seconds and whenever its canary changes state, deleted when it stops, with how late it
 * started scheduled checks since the previous announcement. The gateway (`GET /regions`,
 * default regions, bulk imports deferred while a prober is behind) and the scheduler (regions
 * without probers) read it.
 */
@Injectable()
export class PresenceAnnouncer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new RateLimitedLog(new Logger(PresenceAnnouncer.name));
  private readonly instanceId = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly startedAt = new Date().toISOString();
  private readonly key: string;
  private kv?: KV;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PROBER_CONFIG) private readonly config: ProberConfig,
    private readonly canary: ProberCanary,
    private readonly worker: ProbeWorker,
  ) {
    this.key = proberPresenceKey(config.region, this.instanceId);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.kv = await openProberPresence(this.nc);
    await this.announce();
    this.timer = setInterval(() => void this.announce(), ProberPresenceBucket.refreshMs);
    this.canary.onChange(() => void this.announce());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    // Gone at once rather than after the bucket's TTL: the region shows what is left of it.
    await this.kv?.delete(this.key).catch(() => undefined);
  }

  private async announce(): Promise<void> {
    if (this.stopped || !this.kv) return;
    const presence: ProberPresence = {
      region: this.config.region,
      instanceId: this.instanceId,
      version: PLATFORM_VERSION,
      startedAt: this.startedAt,
      canary: this.canary.state,
      lastSeenAt: new Date().toISOString(),
      lagMs: this.worker.takeRecentLagMs(),
    };
    try {
      await this.kv.put(this.key, JSON.stringify(presence));
    } catch (err) {
      this.log.warn(
        `could not announce this prober in ${ProberPresenceBucket.bucket}: ${String(err)}`,
      );
    }
  }
}
