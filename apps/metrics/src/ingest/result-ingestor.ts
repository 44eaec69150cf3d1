import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ensureDurableConsumer, ensureStream, NATS_CONNECTION } from '@uptime/bus';
import {
  type CheckResult,
  CheckResultSchema,
  CheckResultStream,
  DurableConsumers,
} from '@uptime/contracts';
import { AckPolicy, DeliverPolicy, type JsMsg, JSONCodec, type NatsConnection } from 'nats';
import { CheckStore } from '../checks/check-store';
import { TELEMETRY } from '@uptime/health';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_CONFIG, type MetricsConfig } from '../config';

const codec = JSONCodec<unknown>();
const FLUSH_MS = 1000;

/**
 * The metrics service's durable cursor on CHECK_RESULTS: fetches up to a batch, or what arrived
 * within a second, inserts it into ClickHouse in one insert, and acks only after the insert
 * returned. A crash before the ack redelivers the batch; the store skips check ids it already has.
 */
@Injectable()
export class ResultIngestor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ResultIngestor.name);
  private stopped = false;
  private loop?: Promise<void>;
  stored = 0;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(METRICS_CONFIG) private readonly config: MetricsConfig,
    private readonly store: CheckStore,
    @Inject(TELEMETRY) registry: Registry,
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

  private readonly storedTotal: Counter;
  private readonly insertSeconds: Histogram;

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await ensureStream(jsm, CheckResultStream, this.config.streamSizes);
    const settings = {
      durable_name: DurableConsumers.metricsResults,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 60 * 1_000_000_000,
      max_ack_pending: 200_000,
    };
    await ensureDurableConsumer(jsm, CheckResultStream.name, settings);
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    const consumer = await this.nc
      .jetstream()
      .consumers.get(CheckResultStream.name, DurableConsumers.metricsResults);
    while (!this.stopped) {
      try {
        const batch: JsMsg[] = [];
        const messages = await consumer.fetch({
          max_messages: this.config.batchSize,
          expires: FLUSH_MS,
        });
        for await (const m of messages) batch.push(m);
        if (batch.length > 0) await this.flush(batch);
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn(`ingest pass failed, retrying: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async flush(batch: JsMsg[]): Promise<void> {
    const results: CheckResult[] = [];
    for (const m of batch) {
      const parsed = CheckResultSchema.safeParse(decode(m));
      if (parsed.success) results.push(parsed.data as CheckResult);
      else {
        this.logger.warn(`dropped a malformed check result (seq ${m.seq})`);
        m.term();
      }
    }
    try {
      const timer = this.insertSeconds.startTimer();
      const inserted = await this.store.insert(results);
      timer();
      this.stored += inserted;
      this.storedTotal.inc(inserted);
    } catch (err) {
      // Nothing acked: the whole batch comes back after a pause.
      for (const m of batch) m.nak(2000);
      throw err;
    }
    for (const m of batch) m.ack();
  }
}

function decode(m: JsMsg): unknown {
  try {
    return codec.decode(m.data);
  } catch {
    return undefined;
  }
}
