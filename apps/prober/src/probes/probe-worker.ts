import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  ConsumerLag,
  ensureDurableConsumer,
  ensureStream,
  JetStreamPublisher,
  MessageBatches,
  NATS_CONNECTION,
  PayloadBudget,
  traceContextOf,
} from '@uptime/bus';
import {
  type CheckResult,
  checkResultSubject,
  CheckResultStream,
  MAX_MISSED_PER_MESSAGE,
  MAX_RESULTS_PER_MESSAGE,
  type MissedSlot,
  MissedSlotStream,
  missedSlotSubject,
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
import { FallingBehind, RateLimitedLog, TELEMETRY } from '@uptime/health';
import { type BlockedReason, BlockedTargetLog } from '@uptime/target-guard';
import { inSpan, SpanKind } from '@uptime/tracing';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { PROBER_CONFIG, type ProberConfig } from '../config';
import { ProberCanary } from '../presence/prober-canary';
import { isStale, runProbeJob } from './run-probe-job';

const jobCodec = JSONCodec<ProbeJob>();

/**
 * How long a finished check's result (or a dropped job's record) waits for company in one
 * message: a few milliseconds, nothing an alert notices, and a full message at a few thousand
 * checks a second.
 */
export const RESULT_WINDOW_MS = 20;

export interface ProbeCounters {
  checked: number;
  stale: number;
  malformed: number;
  inFlight: number;
}

/**
 * Pulls probe jobs of this prober's region from the one durable consumer every replica shares,
 * runs up to `concurrency` at once, publishes each result (in one message with the results
 * finished alongside it, see MessageBatches) and only then acks the job. A replica
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
  private results?: MessageBatches<CheckResult>;
  private missed?: MessageBatches<MissedSlot>;
  /** Jobs being checked now; one timer tells JetStream about all of them, not one per check. */
  private readonly checking = new Set<JsMsg>();
  private heartbeat?: NodeJS.Timeout;
  readonly counters: ProbeCounters = { checked: 0, stale: 0, malformed: 0, inFlight: 0 };
  private readonly checksTotal: Counter<'outcome'>;
  private readonly checkSeconds: Histogram<'outcome'>;
  private readonly staleTotal: Counter;
  private readonly unfinishedTotal: Counter;
  private readonly unrecordedTotal: Counter;
  private readonly unrecordedLog = new RateLimitedLog(this.logger);
  /** Stale jobs dropped and how long jobs wait for this replica: `degraded` while behind. */
  readonly behind: FallingBehind;
  private readonly userAgent: string;
  /** The worst start lag of a scheduled job since `takeRecentLagMs` last asked; none: undefined. */
  private recentLagMs?: number;
  private announcedLagMs = 0;
  /** Made once: the engine calls it on each refused target, so no closure per check. */
  private readonly onBlocked: (reason: BlockedReason, message: string) => void;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PROBER_CONFIG) private readonly config: ProberConfig,
    @Inject(TELEMETRY) private readonly registry: Registry,
    private readonly canary: ProberCanary,
  ) {
    this.userAgent = probeUserAgent(config.region);
    this.checksTotal = new Counter({
      name: 'uptime_probe_checks_total',
      help: 'Checks run and published, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.checkSeconds = new Histogram({
      name: 'uptime_probe_check_duration_seconds',
      help: 'How long checks took on this prober (the probe itself, publishing aside), by outcome',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.staleTotal = new Counter({
      name: 'uptime_probe_stale_jobs_total',
      help: 'Jobs dropped because they were older than their interval (on demand: than the caller waits)',
      registers: [registry],
    });
    this.unrecordedTotal = new Counter({
      name: 'uptime_probe_missed_slots_unrecorded_total',
      help: 'Dropped stale jobs whose missed-slot record MISSED_SLOTS did not take: counted only',
      registers: [registry],
    });
    this.behind = new FallingBehind({
      metricPrefix: 'uptime_probe',
      subject: `prober ${config.region}`,
      reasons: ['dropped'],
      advice:
        'jobs wait longer than their interval for this region: add prober replicas or raise PROBE_CONCURRENCY',
      registry,
      logger: this.logger,
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
    await ensureStream(jsm, MissedSlotStream, this.config.streamSizes);
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
    ConsumerLag.of(this.registry).watch(this.nc, ProbeJobStream.name, durable);
    this.publisher = new JetStreamPublisher(this.nc);
    const budget = new PayloadBudget(this.nc);
    this.results = new MessageBatches<CheckResult>(this.publisher, {
      subjectOf: (result) => checkResultSubject(result.region),
      // Someone waits for an on-demand result (the gateway's request): it goes at once.
      aloneId: (result) => (result.onDemand ? result.id : undefined),
      windowMs: RESULT_WINDOW_MS,
      maxItems: MAX_RESULTS_PER_MESSAGE,
      maxBytes: () => budget.pageBytes,
    });
    this.missed = new MessageBatches<MissedSlot>(this.publisher, {
      subjectOf: (slot) => missedSlotSubject(slot.region),
      windowMs: RESULT_WINDOW_MS,
      maxItems: MAX_MISSED_PER_MESSAGE,
      maxBytes: () => budget.pageBytes,
    });
    // Checks (and the job waiting for a free slot) tell JetStream they are still being worked
    // on, three times per ack wait: the wait can then be short, so a dead prober's jobs are
    // redelivered while they are still young enough to run, and a live one's are not.
    this.heartbeat = setInterval(
      () => this.checking.forEach((m) => m.working()),
      (this.config.ackWaitSeconds * 1000) / 3,
    );
    const consumer = await this.nc.jetstream().consumers.get(ProbeJobStream.name, durable);
    this.messages = await consumer.consume({ max_messages: this.config.concurrency });
    this.loop = this.pull(this.messages);
  }

  async onApplicationShutdown(): Promise<void> {
    // Stop pulling, let the checks in flight finish and publish; unacked ones are redelivered.
    await this.messages?.close();
    await this.loop;
    this.results?.flush();
    this.missed?.flush();
    await Promise.allSettled([...this.running]);
    clearInterval(this.heartbeat);
    this.publisher?.close();
  }

  /**
   * How late this replica started scheduled jobs since the previous call (the worst, whole ms),
   * for its presence: the gateway defers bulk imports while a prober is behind. Every slot taken
   * and no job started since: at least as late as last said.
   */
  takeRecentLagMs(): number {
    const busy = this.running.size >= this.config.concurrency;
    const lag = this.recentLagMs ?? (busy ? this.announcedLagMs : 0);
    this.recentLagMs = undefined;
    this.announcedLagMs = lag;
    return lag;
  }

  private noteLag(lagMs: number): void {
    const whole = Math.max(0, Math.round(lagMs));
    if (this.recentLagMs === undefined || whole > this.recentLagMs) this.recentLagMs = whole;
  }

  private async pull(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      this.checking.add(m);
      while (this.running.size >= this.config.concurrency) await this.freeSlot();
      this.checking.delete(m);
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
    const now = Date.now();
    if (!job.onDemand) this.noteLag(now - Date.parse(job.scheduledAt));
    if (isStale(job, now)) {
      this.counters.stale++;
      this.staleTotal.inc();
      if (!job.onDemand) await this.recordDropped(job, now);
      m.ack();
      return;
    }
    if (!job.onDemand) this.behind.lag(now - Date.parse(job.scheduledAt), now);
    this.counters.inFlight++;
    this.checking.add(m);
    try {
      await inSpan(
        `probe ${job.spec.type}`,
        {
          kind: SpanKind.CONSUMER,
          parent: traceContextOf(m.headers),
          attributes: { 'uptime.monitor.id': job.monitorId, 'uptime.check.id': job.checkId },
        },
        async (span) => {
          const outcome = await this.check(job, m);
          span.setAttribute('uptime.check.outcome', outcome);
        },
      );
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

  /** Runs the check, publishes its result and acks the job; the outcome for the span. */
  private async check(job: ProbeJob, m: JsMsg): Promise<string> {
    const startedAt = performance.now();
    const observed = await runProbeJob(job, {
      targets: this.config.targets,
      onBlocked: this.onBlocked,
      userAgent: this.userAgent,
    });
    const seconds = (performance.now() - startedAt) / 1000;
    const result = this.canary.judge(observed);
    await this.results!.publish(result);
    m.ack();
    this.counters.checked++;
    this.checksTotal.inc({ outcome: result.outcome });
    this.checkSeconds.observe({ outcome: result.outcome }, seconds);
    return result.outcome;
  }

  /**
   * A scheduled job taken after its interval passed is not run (its successor is due) but
   * recorded as a `dropped` slot, before the ack: a crash in between redelivers the job, and its
   * record, with the same check id, counts once (coverage counts distinct slots).
   */
  private async recordDropped(job: ProbeJob, now: number): Promise<void> {
    const lagMs = now - Date.parse(job.scheduledAt);
    this.behind.missed('dropped', 1, lagMs, now);
    const slot: MissedSlot = {
      checkId: job.checkId,
      monitorId: job.monitorId,
      ownerId: job.ownerId,
      region: job.region,
      scheduledAt: job.scheduledAt,
      reason: 'dropped',
      recordedAt: new Date(now).toISOString(),
    };
    try {
      await this.missed!.publish(slot);
    } catch (err) {
      this.unrecordedTotal.inc();
      this.unrecordedLog.warn(`dropped job ${job.checkId} could not be recorded: ${String(err)}`);
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
