import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BatchFollower, NATS_CONNECTION } from '@uptime/bus';
import {
  type CheckResult,
  CheckResultSchema,
  CheckResultStream,
  DurableConsumers,
  resultPayloadsOf,
} from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import { Counter, Histogram, type Registry } from 'prom-client';
import { CheckWriter } from '../checks/check-writer';
import { METRICS_CONFIG, type MetricsConfig } from '../config';

/** ClickHouse wants few large inserts: a batch waits this long for more when results trickle in. */
const FLUSH_MS = 1000;

/**
 * The metrics service's durable cursor on CHECK_RESULTS: up to a batch, or what arrived within a
 * second, goes into ClickHouse in one insert, acked only after the insert returned. A crash
 * before the ack redelivers the batch; the store skips check ids it already has.
 */
@Injectable()
export class ResultIngestor implements OnApplicationBootstrap, OnApplicationShutdown {
  private follower?: BatchFollower<CheckResult>;
  private readonly storedTotal: Counter;
  private readonly insertSeconds: Histogram;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(METRICS_CONFIG) private readonly config: MetricsConfig,
    private readonly checks: CheckWriter,
    @Inject(TELEMETRY) private readonly registry: Registry,
  ) {
    this.storedTotal = new Counter({
      name: 'uptime_metrics_checks_stored_total',
      help: 'Check results inserted into ClickHouse (duplicates excluded)',
      registers: [registry],
    });
    this.insertSeconds = new Histogram({
      name: 'uptime_metrics_insert_seconds',
      help: 'Time of one batched insert',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.follower = await BatchFollower.start(this.nc, {
      name: ResultIngestor.name,
      stream: CheckResultStream,
      streamSizes: this.config.streamSizes,
      consumer: {
        durable_name: DurableConsumers.metricsResults,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: 60 * 1_000_000_000,
        max_ack_pending: 200_000,
      },
      schema: CheckResultSchema,
      // A prober's message carries the results it finished together.
      split: resultPayloadsOf,
      batchSize: this.config.batchSize,
      maxWaitMs: FLUSH_MS,
      handle: (results) => this.insert(results),
      registry: this.registry,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower?.close();
  }

  private async insert(results: CheckResult[]): Promise<void> {
    const timer = this.insertSeconds.startTimer();
    const inserted = await this.checks.insert(results);
    timer();
    this.storedTotal.inc(inserted);
  }
}
