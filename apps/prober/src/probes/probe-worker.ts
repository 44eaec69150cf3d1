import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  ensureDurableConsumer,
  ensureStream,
  JetStreamPublisher,
  NATS_CONNECTION,
} from '@uptime/bus';
import {
  type CheckResult,
  CheckResultStream,
  checkResultSubject,
  type ProbeJob,
  ProbeJobStream,
  proberConsumerName,
  probeJobFilter,
  probeUserAgent,
  safeParseProbeJob,
} from '@uptime/contracts';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  JSONCodec,
  type NatsConnection,
} from 'nats';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import { type BlockedReason, BlockedTargetLog } from '@uptime/target-guard';
import { Counter, Gauge, type Registry } from 'prom-client';
import { PROBER_CONFIG, type ProberConfig } from '../config';
import { ProberCanary } from '../presence/prober-canary';
import { isStale, runProbeJob } from './run-probe-job';

const jobCodec = JSONCodec<ProbeJob>();
const resultCodec = JSONCodec<CheckResult>();

export interface ProbeCounters {
  checked: number;
  stale: number;
  malformed: number;
  inFlight: number;
}

/**
 * Pulls probe jobs of this prober's region from the one durable consumer every replica shares,
 * runs up to `concurrency` at once, publishes each result and only then acks the job. A replica
 * that dies before the ack leaves the job to be redelivered to another.
 */
@Injectable()
export class ProbeWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProbeWorker.name);
  private readonly unfinishedLog = new RateLimitedLog(this.logger);
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private readonly running = new Set<Promise<void>>();
  /** Wakes the pull loop when a check ends and frees a slot; set only while the loop waits. */
  private slotFreed?: () => void;
  private publisher?: JetStreamPublisher;
  /** Jobs being checked now; one timer tells JetStream about all of them, not one per check. */
  private readonly checking = new Set<JsMsg>();
  private heartbeat?: NodeJS.Timeout;
  readonly counters: ProbeCounters = { checked: 0, stale: 0, malformed: 0, inFlight: 0 };
  private readonly checksTotal: Counter<'outcome'>;
  private readonly staleTotal: Counter;
  private readonly unfinishedTotal: Counter;
  private readonly userAgent: string;
  /** Made once: the engine calls it on each refused target, so no closure per check. */
  private readonly onBlocked: (reason: BlockedReason, message: string) => void;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PROBER_CONFIG) private readonly config: ProberConfig,
    @Inject(TELEMETRY) registry: Registry,
    private readonly canary: ProberCanary,
  ) {
    this.userAgent = probeUserAgent(config.region);
    this.checksTotal = new Counter({
      name: 'uptime_probe_checks_total',
      help: 'Checks run and published, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.staleTotal = new Counter({
      name: 'uptime_probe_stale_jobs_total',
      help: 'Jobs dropped because they were older than their interval (on demand: than the caller waits)',
      registers: [registry],
    });
    this.unfinishedTotal = new Counter({
      name: 'uptime_probe_jobs_unfinished_total',
      help: 'Checks whose result CHECK_RESULTS did not take (full: CHECK_RESULTS_MAX_MB, or NATS away); the job is redelivered',
      registers: [registry],
    });
    const blocked = new BlockedTargetLog({
      registry,
      metricName: 'uptime_probe_blocked_targets_total',
      log: new RateLimitedLog(this.logger),
    });
    this.onBlocked = (reason, message) => blocked.record(reason, `check: ${message}`);
    const counters = this.counters;
    new Gauge({
      name: 'uptime_probe_in_flight',
      help: 'Checks running now',
      registers: [registry],
      collect() {
        this.set(counters.inFlight);
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await ensureStream(jsm, ProbeJobStream, this.config.streamSizes);
    await ensureStream(jsm, CheckResultStream, this.config.streamSizes);
    const durable = proberConsumerName(this.config.region);
    const settings = {
      durable_name: durable,
      filter_subject: probeJobFilter(this.config.region),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: this.config.ackWaitSeconds * 1_000_000_000,
      max_ack_pending: 100_000,
      max_deliver: 5,
    };
    await ensureDurableConsumer(jsm, ProbeJobStream.name, settings);
    this.publisher = new JetStreamPublisher(this.nc);
    // Long checks tell JetStream they are still being worked on, so they are not redelivered.
    this.heartbeat = setInterval(
      () => this.checking.forEach((m) => m.working()),
      (this.config.ackWaitSeconds * 1000) / 2,
    );
    const consumer = await this.nc.jetstream().consumers.get(ProbeJobStream.name, durable);
    this.messages = await consumer.consume({ max_messages: this.config.concurrency });
    this.loop = this.pull(this.messages);
  }

  async onApplicationShutdown(): Promise<void> {
    // Stop pulling, let the checks in flight finish and publish; unacked ones are redelivered.
    await this.messages?.close();
    await this.loop;
    await Promise.allSettled([...this.running]);
    clearInterval(this.heartbeat);
    this.publisher?.close();
  }

  private async pull(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      while (this.running.size >= this.config.concurrency) await this.freeSlot();
      const task = this.handle(m).finally(() => this.release(task));
      this.running.add(task);
    }
  }

  /**
   * Waits for one check to end. Not `Promise.race(running)`: that attaches a reaction to every
   * check in flight on every job pulled, i.e. `concurrency` allocations and wake-ups per check.
   */
  private freeSlot(): Promise<void> {
    return new Promise((resolve) => (this.slotFreed = resolve));
  }

  private release(task: Promise<void>): void {
    this.running.delete(task);
    const wake = this.slotFreed;
    this.slotFreed = undefined;
    wake?.();
  }

  private async handle(m: JsMsg): Promise<void> {
    const parsed = safeParseProbeJob(safeDecode(m));
    if (!parsed.success) {
      this.counters.malformed++;
      this.logger.warn(`dropped a malformed probe job (seq ${m.seq}): ${parsed.error}`);
      m.term();
      return;
    }
    const job = parsed.data;
    if (isStale(job, Date.now())) {
      this.counters.stale++;
      this.staleTotal.inc();
      m.ack();
      return;
    }
    this.counters.inFlight++;
    this.checking.add(m);
    try {
      const observed = await runProbeJob(job, {
        targets: this.config.targets,
        onBlocked: this.onBlocked,
        userAgent: this.userAgent,
      });
      const result = this.canary.judge(observed);
      await this.publisher!.publish(
        checkResultSubject(job.region),
        resultCodec.encode(result),
        result.id,
      );
      m.ack();
      this.counters.checked++;
      this.checksTotal.inc({ outcome: result.outcome });
    } catch (err) {
      this.unfinishedTotal.inc();
      this.unfinishedLog.warn(
        `check ${job.checkId} not completed, left for redelivery: ${String(err)}`,
      );
      m.nak(1000);
    } finally {
      this.checking.delete(m);
      this.counters.inFlight--;
    }
  }
}

function safeDecode(m: JsMsg): unknown {
  try {
    return jobCodec.decode(m.data);
  } catch {
    return undefined;
  }
}
