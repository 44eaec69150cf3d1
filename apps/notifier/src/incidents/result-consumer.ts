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
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  JSONCodec,
  type NatsConnection,
} from 'nats';
import { IncidentRecorder } from './incident-recorder';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config';

const codec = JSONCodec<unknown>();
interface Parsed {
  m: JsMsg;
  result: CheckResult;
}

/** Results applied per transaction. */
const BATCH = 500;

/**
 * The notifier's durable cursor on CHECK_RESULTS. Results are applied a batch at a time in stream
 * order (a monitor's results arrive in scheduled order), acked only after their transaction
 * committed; a failure leaves the result to be redelivered.
 */
@Injectable()
export class ResultConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ResultConsumer.name);
  private stopped = false;
  private loop?: Promise<void>;
  private messages?: ConsumerMessages;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly recorder: IncidentRecorder,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await ensureStream(jsm, CheckResultStream, this.config.streamSizes);
    await ensureDurableConsumer(jsm, CheckResultStream.name, {
      durable_name: DurableConsumers.notifierResults,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      ack_wait: 30 * 1_000_000_000,
      max_ack_pending: 10_000,
    });
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    // Ends the pull; the batch in hand is applied before the loop returns.
    await this.messages?.close();
    await this.loop;
  }

  /**
   * The batch in one transaction; if that fails (one bad result, a lost connection), each result
   * on its own, so one result never holds the others back.
   */
  private async apply(batch: Parsed[]): Promise<void> {
    try {
      await this.recorder.recordMany(batch.map((b) => b.result));
      for (const { m } of batch) m.ack();
      return;
    } catch (err) {
      this.logger.warn(
        `a batch of ${batch.length} results failed, applying one by one: ${String(err)}`,
      );
    }
    for (const { m, result } of batch) {
      try {
        await this.recorder.record(result);
        m.ack();
      } catch (err) {
        this.logger.warn(`result ${result.id} not applied, will be redelivered: ${String(err)}`);
        m.nak(2000);
      }
    }
  }

  /**
   * A continuous pull; a batch is applied when it is full or nothing more is waiting in the
   * client's buffer. Under load batches fill up (one commit per 500 results); when quiet each
   * result is applied as soon as it arrives, so an alert never waits for a batch to fill.
   */
  private async run(): Promise<void> {
    const consumer = await this.nc
      .jetstream()
      .consumers.get(CheckResultStream.name, DurableConsumers.notifierResults);
    while (!this.stopped) {
      try {
        this.messages = await consumer.consume({ max_messages: BATCH * 2 });
        let batch: Parsed[] = [];
        for await (const m of this.messages) {
          const parsed = CheckResultSchema.safeParse(safeDecode(m.data));
          if (parsed.success) batch.push({ m, result: parsed.data as CheckResult });
          else m.term();
          // getPending() counts the message in hand too: 1 means nothing else is buffered.
          if (batch.length >= BATCH || this.messages.getPending() <= 1) {
            if (batch.length > 0) await this.apply(batch);
            batch = [];
          }
        }
        if (batch.length > 0) await this.apply(batch);
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn(`result pass failed, retrying: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}

function safeDecode(data: Uint8Array): unknown {
  try {
    return codec.decode(data);
  } catch {
    return undefined;
  }
}
