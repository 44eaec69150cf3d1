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
import type { Registry } from 'prom-client';
import { IncidentRecorder } from './incident-recorder';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config';

/** Results applied per transaction. */
const BATCH = 500;

/**
 * How long a batch waits for more results once it has one. A transaction has a fixed cost (lock
 * the rows, write the states, commit) that dwarfs one result's: applied one by one at tens of
 * results a second, those commits were most of the one-process platform's CPU per check. A
 * quarter second adds at most that to an alert, well within its one-interval-plus-2-s target.
 */
const BATCH_WAIT_MS = 250;

/**
 * The notifier's durable cursor on CHECK_RESULTS. Results are applied a batch at a time in stream
 * order (a monitor's results arrive in scheduled order), acked only after their transaction
 * committed. A batch is applied as soon as nothing else is buffered: under load batches fill up
 * (one commit per 500 results), when quiet a batch waits at most BATCH_WAIT_MS for company, so an
 * alert never waits for a batch to fill. If the batch's transaction fails (one bad result, a lost
 * connection), each result is applied on its own, so one never holds the others back; what
 * still fails is redelivered.
 */
@Injectable()
export class ResultConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private follower?: BatchFollower<CheckResult>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly recorder: IncidentRecorder,
    @Inject(TELEMETRY) private readonly registry: Registry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.follower = await BatchFollower.start(this.nc, {
      name: ResultConsumer.name,
      stream: CheckResultStream,
      streamSizes: this.config.streamSizes,
      consumer: {
        durable_name: DurableConsumers.notifierResults,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        ack_wait: 30 * 1_000_000_000,
        max_ack_pending: 10_000,
      },
      schema: CheckResultSchema,
      // A prober's message carries the results it finished together.
      split: resultPayloadsOf,
      batchSize: BATCH,
      maxWaitMs: BATCH_WAIT_MS,
      handle: async (results) => {
        await this.recorder.recordMany(results);
      },
      handleEach: async (result) => {
        await this.recorder.record(result);
      },
      registry: this.registry,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    // Ends the pull; the results already received are applied before it returns.
    await this.follower?.close();
  }
}
