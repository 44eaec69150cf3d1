import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NATS_CONNECTION } from '@uptime/bus';
import { SchedulerLease } from '@uptime/contracts';
import type { KV, NatsConnection } from 'nats';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

/**
 * Active/standby through a NATS KV key whose bucket expires entries after the lease time. The
 * leader renews it with a compare-and-set; when it dies the key expires and the first standby
 * to create it leads. Only the leader publishes jobs; every instance keeps the schedule.
 */
@Injectable()
export class LeaderLease implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LeaderLease.name);
  private kv?: KV;
  private revision = 0;
  private timer?: NodeJS.Timeout;
  private leading = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.kv = await this.nc.jetstream().views.kv(SchedulerLease.bucket, {
      ttl: this.config.leaseSeconds * 1000,
      history: 1,
    });
    await this.tick();
    const every = Math.max(250, (this.config.leaseSeconds * 1000) / 3);
    this.timer = setInterval(() => void this.tick(), every);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    if (!this.leading || !this.kv) return;
    this.leading = false;
    // Hand over at once instead of making the standby wait for the lease to expire.
    await this.kv.delete(SchedulerLease.key, { previousSeq: this.revision }).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (!this.kv) return;
    try {
      this.revision = this.leading
        ? await this.kv.update(SchedulerLease.key, this.config.instanceId, this.revision)
        : await this.kv.create(SchedulerLease.key, this.config.instanceId);
      if (!this.leading) this.logger.log(`${this.config.instanceId} leads the schedule`);
      this.leading = true;
    } catch {
      if (this.leading) this.logger.warn(`${this.config.instanceId} lost the lease`);
      this.leading = false;
    }
  }
}
