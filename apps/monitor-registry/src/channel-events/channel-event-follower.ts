import { TELEMETRY } from '@uptime/health';
import type { Registry } from 'prom-client';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DurableFollower, NATS_CONNECTION } from '@uptime/bus';
import {
  type ChannelDeletedEvent,
  ChannelDeletedEventSchema,
  ChannelEventStream,
  DurableConsumers,
} from '@uptime/contracts';
import { UnitOfWork } from '@uptime/persistence';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import { MonitorsService } from '../monitors/monitors.service';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config';

/**
 * Drops each deleted channel from its owner's monitors, from the notifier's CHANNEL_EVENTS. The
 * consumer is durable and starts at the stream's beginning, so a deletion made while the
 * registry was down (or before it first ran) is applied when it comes back; applying one twice
 * finds no monitor left to change.
 */
@Injectable()
export class ChannelEventFollower implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChannelEventFollower.name);
  private follower?: DurableFollower;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(TELEMETRY) private readonly registry: Registry,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    private readonly work: UnitOfWork,
    private readonly monitors: MonitorsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.follower = await DurableFollower.start(this.nc, {
      registry: this.registry,
      name: ChannelEventFollower.name,
      stream: ChannelEventStream,
      streamSizes: this.config.streamSizes,
      consumer: {
        durable_name: DurableConsumers.registryChannelEvents,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
      },
      schema: ChannelDeletedEventSchema,
      handle: (event) => this.channelDeleted(event),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower?.close();
  }

  private async channelDeleted(event: ChannelDeletedEvent): Promise<void> {
    const updated = await this.work.withOwnIdentityMap(() =>
      this.monitors.removeChannel(event.ownerId, event.channelId),
    );
    if (updated) this.logger.log(`channel ${event.channelId} dropped from ${updated} monitor(s)`);
  }
}
