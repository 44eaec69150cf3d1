import { TELEMETRY } from '@uptime/health';
import type { Registry } from 'prom-client';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BatchFollower, NATS_CONNECTION } from '@uptime/bus';
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
import { MonitorProjection, newestPerMonitor } from './monitor-projection';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config';

/** Events applied per transaction. */
const BATCH = 500;

/**
 * Keeps the monitor projection current from MONITOR_EVENTS, durable so no change is missed; a
 * monitor that names a deleted channel gets that deletion sent again. Events are applied a batch
 * at a time, in stream order, one transaction per batch (a bulk import of 150,000 monitors is
 * 300 commits, not 150,000), acked after it commits; a quiet stream's event is applied as soon
 * as it arrives. If a batch fails, each event is applied on its own, so one never holds the
 * others back; what still fails is redelivered.
 */
@Injectable()
export class MonitorEventFollower implements OnApplicationBootstrap, OnApplicationShutdown {
  private follower?: BatchFollower<MonitorChangedEvent>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(TELEMETRY) private readonly registry: Registry,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly work: UnitOfWork,
    private readonly projection: MonitorProjection,
    private readonly danglingChannels: DanglingChannels,
    private readonly channelEvents: ChannelEventRelay,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.follower = await BatchFollower.start(this.nc, {
      registry: this.registry,
      name: MonitorEventFollower.name,
      stream: MonitorEventStream,
      streamSizes: this.config.streamSizes,
      consumer: {
        durable_name: DurableConsumers.notifierMonitorEvents,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        max_ack_pending: BATCH * 4,
      },
      schema: MonitorChangedEventSchema,
      batchSize: BATCH,
      handle: (events) => this.applyMany(events),
      handleEach: (event) => this.applyMany([event]),
    });
  }

  private async applyMany(events: MonitorChangedEvent[]): Promise<void> {
    const dangling = await this.work.transaction(async () => {
      await this.projection.applyEvents(events);
      return this.recordDangling(newestPerMonitor(events));
    });
    if (dangling) this.channelEvents.kick();
  }

  /** Channels the monitors name that their owner no longer has, recorded as deleted again; how many. */
  private async recordDangling(events: MonitorChangedEvent[]): Promise<number> {
    const namedByOwner = new Map<string, string[]>();
    for (const event of events) {
      if (event.kind === 'deleted' || !Array.isArray(event.monitor.channelIds)) continue;
      // Escalation steps name channels too, and are cleaned by the same deletion fact.
      const named = [
        ...event.monitor.channelIds,
        ...escalationChannelIds(event.monitor.alertPolicy),
      ];
      if (named.length === 0) continue;
      const list = namedByOwner.get(event.ownerId) ?? [];
      list.push(...named);
      namedByOwner.set(event.ownerId, list);
    }
    let dangling = 0;
    for (const [ownerId, named] of namedByOwner)
      dangling += await this.danglingChannels.record(ownerId, [...new Set(named)]);
    return dangling;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower?.close();
  }
}
