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
import { AckPolicy, DeliverPolicy, JSONCodec, type NatsConnection } from 'nats';
import { IncidentRecorder } from './incident-recorder';

const codec = JSONCodec<unknown>();

/**
 * The notifier's durable cursor on CHECK_RESULTS. Results are applied one at a time in stream
 * order (a monitor's results arrive in scheduled order), each acked only after its transaction
 * committed; a failure leaves the result to be redelivered.
 */
@Injectable()
export class ResultConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ResultConsumer.name);
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly recorder: IncidentRecorder,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await ensureStream(jsm, CheckResultStream);
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
    await this.loop;
  }

  private async run(): Promise<void> {
    const consumer = await this.nc
      .jetstream()
      .consumers.get(CheckResultStream.name, DurableConsumers.notifierResults);
    while (!this.stopped) {
      try {
        const messages = await consumer.fetch({ max_messages: 200, expires: 1000 });
        for await (const m of messages) {
          const parsed = CheckResultSchema.safeParse(safeDecode(m.data));
          if (!parsed.success) {
            m.term();
            continue;
          }
          try {
            await this.recorder.record(parsed.data as CheckResult);
            m.ack();
          } catch (err) {
            this.logger.warn(
              `result ${parsed.data.id} not applied, will be redelivered: ${String(err)}`,
            );
            m.nak(2000);
          }
        }
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
