import { EntityManager } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ensureDurableConsumer, ensureStream, NATS_CONNECTION } from '@uptime/bus';
import {
  DurableConsumers,
  type MonitorChangedEvent,
  MonitorChangedEventSchema,
  MonitorEventStream,
} from '@uptime/contracts';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  JSONCodec,
  type NatsConnection,
} from 'nats';
import { MonitorProjection } from './monitor-projection';

const codec = JSONCodec<unknown>();

/** Keeps the monitor projection current from MONITOR_EVENTS, durable so no change is missed. */
@Injectable()
export class MonitorEventFollower implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MonitorEventFollower.name);
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly em: EntityManager,
    private readonly projection: MonitorProjection,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await ensureStream(jsm, MonitorEventStream);
    await ensureDurableConsumer(jsm, MonitorEventStream.name, {
      durable_name: DurableConsumers.notifierMonitorEvents,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
    });
    const consumer = await this.nc
      .jetstream()
      .consumers.get(MonitorEventStream.name, DurableConsumers.notifierMonitorEvents);
    this.messages = await consumer.consume();
    this.loop = this.follow(this.messages);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  private async follow(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      const parsed = MonitorChangedEventSchema.safeParse(codec.decode(m.data));
      if (!parsed.success) {
        m.term();
        continue;
      }
      try {
        await this.em
          .fork()
          .transactional((em) =>
            this.projection.applyEvent(em, parsed.data as unknown as MonitorChangedEvent),
          );
        m.ack();
      } catch (err) {
        this.logger.warn(`monitor event not applied, will be redelivered: ${String(err)}`);
        m.nak(2000);
      }
    }
  }
}
