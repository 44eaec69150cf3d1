import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BatchFollower, NATS_CONNECTION } from '@uptime/bus';
import {
  MISSED_SLOTS_CONSUMER,
  type MissedSlot,
  MissedSlotSchema,
  missedSlotPayloadsOf,
  MissedSlotStream,
} from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { MissedSlotWriter } from '../checks/missed-slot-writer';
import { METRICS_CONFIG, type MetricsConfig } from '../config';

/** Missed slots come in bursts when a platform falls behind: a second's worth per insert. */
const FLUSH_MS = 1000;

/**
 * The metrics service's durable cursor on MISSED_SLOTS (batches of records from the scheduler
 * and the probers): inserted into `missed_slots` a second's worth at a time, each message acked
 * after the insert holding its records returned. A malformed record is counted and skipped, not
 * the rest of its message.
 */
@Injectable()
export class MissedSlotIngestor implements OnApplicationBootstrap, OnApplicationShutdown {
  private follower?: BatchFollower<MissedSlot>;
  private readonly storedTotal: Counter<'reason'>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(METRICS_CONFIG) private readonly config: MetricsConfig,
    private readonly writer: MissedSlotWriter,
    @Inject(TELEMETRY) private readonly registry: Registry,
  ) {
    this.storedTotal = new Counter({
      name: 'uptime_metrics_missed_slots_stored_total',
      help: 'Missed slots stored (each counts in coverage, never in uptime), by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.follower = await BatchFollower.start(this.nc, {
      name: MissedSlotIngestor.name,
      stream: MissedSlotStream,
      streamSizes: this.config.streamSizes,
      consumer: {
        durable_name: MISSED_SLOTS_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: 60 * 1_000_000_000,
        max_ack_pending: 100_000,
      },
      schema: MissedSlotSchema,
      // A message carries a batch of records (or one, from a publisher older than batches).
      split: missedSlotPayloadsOf,
      batchSize: this.config.batchSize,
      maxWaitMs: FLUSH_MS,
      handle: (slots) => this.insert(slots),
      registry: this.registry,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower?.close();
  }

  private async insert(slots: MissedSlot[]): Promise<void> {
    await this.writer.insert(slots);
    for (const slot of slots) this.storedTotal.inc({ reason: slot.reason });
  }
}
