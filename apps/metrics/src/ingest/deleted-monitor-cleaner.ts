import { TELEMETRY } from '@uptime/health';
import type { Registry } from 'prom-client';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DurableFollower, NATS_CONNECTION } from '@uptime/bus';
import {
  DurableConsumers,
  MonitorChangedEventSchema,
  MonitorEventStream,
  monitorEventFilter,
} from '@uptime/contracts';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import { MonitorErasure } from '../checks/monitor-erasure';
import { METRICS_CONFIG, type MetricsConfig } from '../config';

/** Removes a deleted monitor's checks and rollups; durable, so a deletion during downtime is not missed. */
@Injectable()
export class DeletedMonitorCleaner implements OnApplicationBootstrap, OnApplicationShutdown {
  private follower?: DurableFollower;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(TELEMETRY) private readonly registry: Registry,
    @Inject(METRICS_CONFIG) private readonly config: MetricsConfig,
    private readonly erasure: MonitorErasure,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.follower = await DurableFollower.start(this.nc, {
      registry: this.registry,
      name: DeletedMonitorCleaner.name,
      stream: MonitorEventStream,
      streamSizes: this.config.streamSizes,
      consumer: {
        durable_name: DurableConsumers.metricsMonitorEvents,
        filter_subject: monitorEventFilter('deleted'),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
      },
      schema: MonitorChangedEventSchema,
      handle: (event) => this.erasure.forgetMonitor(event.monitorId),
      retryDelayMs: 5000,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower?.close();
  }
}
