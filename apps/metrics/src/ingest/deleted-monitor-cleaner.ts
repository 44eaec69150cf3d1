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
  MonitorEventStream,
  monitorEventSubject,
} from '@uptime/contracts';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  JSONCodec,
  type NatsConnection,
} from 'nats';
import { CheckStore } from '../checks/check-store';

const codec = JSONCodec<MonitorChangedEvent>();

/** Removes a deleted monitor's checks and rollups; durable, so a deletion during downtime is not missed. */
@Injectable()
export class DeletedMonitorCleaner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeletedMonitorCleaner.name);
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly store: CheckStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await ensureStream(jsm, MonitorEventStream);
    const settings = {
      durable_name: DurableConsumers.metricsMonitorEvents,
      filter_subject: monitorEventSubject('deleted'),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
    };
    await ensureDurableConsumer(jsm, MonitorEventStream.name, settings);
    const consumer = await this.nc
      .jetstream()
      .consumers.get(MonitorEventStream.name, DurableConsumers.metricsMonitorEvents);
    this.messages = await consumer.consume();
    this.loop = this.follow(this.messages);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  private async follow(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      try {
        await this.store.forgetMonitor(codec.decode(m.data).monitorId);
        m.ack();
      } catch (err) {
        this.logger.warn(`could not remove a deleted monitor's checks, retrying: ${String(err)}`);
        m.nak(5000);
      }
    }
  }
}
