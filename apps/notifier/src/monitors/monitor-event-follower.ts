import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DurableFollower, NATS_CONNECTION } from '@uptime/bus';
import {
  DurableConsumers,
  escalationChannelIds,
  type MonitorChangedEvent,
  MonitorChangedEventSchema,
  MonitorEventStream,
} from '@uptime/contracts';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import { UnitOfWork } from '@uptime/persistence';
import { ChannelEventRelay } from '../channel-events/channel-event-relay';
import { DanglingChannels } from '../channel-events/dangling-channels';
import { MonitorProjection } from './monitor-projection';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config';

/**
 * Keeps the monitor projection current from MONITOR_EVENTS, durable so no change is missed; a
 * monitor that names a deleted channel gets that deletion sent again.
 */
@Injectable()
export class MonitorEventFollower implements OnApplicationBootstrap, OnApplicationShutdown {
  private follower?: DurableFollower;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly work: UnitOfWork,
    private readonly projection: MonitorProjection,
    private readonly danglingChannels: DanglingChannels,
    private readonly channelEvents: ChannelEventRelay,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.follower = await DurableFollower.start(this.nc, {
      name: MonitorEventFollower.name,
      stream: MonitorEventStream,
      streamSizes: this.config.streamSizes,
      consumer: {
        durable_name: DurableConsumers.notifierMonitorEvents,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
      },
      schema: MonitorChangedEventSchema,
      handle: (event) => this.apply(event),
    });
  }

  private async apply(event: MonitorChangedEvent): Promise<void> {
    const dangling = await this.work.transaction(async () => {
      await this.projection.applyEvent(event);
      if (event.kind === 'deleted' || !Array.isArray(event.monitor.channelIds)) return 0;
      // Escalation steps name channels too, and are cleaned by the same deletion fact.
      const named = [
        ...event.monitor.channelIds,
        ...escalationChannelIds(event.monitor.alertPolicy),
      ];
      return this.danglingChannels.record(event.ownerId, named);
    });
    if (dangling) this.channelEvents.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower?.close();
  }
}
