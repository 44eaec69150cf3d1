import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  ensureStream,
  JetStreamPublisher,
  MessageBatches,
  NATS_CONNECTION,
  PayloadBudget,
  PublishNotAcknowledged,
} from '@uptime/bus';
import {
  MAX_MISSED_PER_MESSAGE,
  type Monitor,
  type MissedReason,
  type MissedSlot,
  MissedSlotStream,
  missedSlotSubject,
  type ProbeJob,
  probeJobFor,
  ProbeJobStream,
  probeJobSubject,
} from '@uptime/contracts';
import { type JetStreamManager, JSONCodec, type NatsConnection } from 'nats';
import { FallingBehind, RateLimitedLog, TELEMETRY } from '@uptime/health';
import { Counter, Gauge, type Registry } from 'prom-client';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import {
  type DispatchProgress,
  PartitionLease,
  type SkippedSlots,
} from '../partitions/partition-lease';
import { RegionCoverage } from '../regions/region-coverage';
import { type DueCheck, Schedule } from '../schedule/schedule';
import { checkIdOf } from '../schedule/slots';
import { MaintenanceCalendar } from '../maintenance/maintenance-calendar';

const codec = JSONCodec<ProbeJob>();
/** Wake at least this often, so a partition's new owner starts publishing within a second. */
export const MAX_SLEEP_MS = 1000;

/**
 * Passes are at least this far apart. Slots are spread over each interval, so with thousands of
 * monitors the next one is always about a millisecond away: a pass per slot woke the thread and
 * wrote to NATS's socket a thousand times a second for one job each. 20 ms adds at most that to a
 * check's start and sends a few dozen jobs per write at a few thousand checks a second.
 */
export const DISPATCH_TICK_MS = 20;
/**
 * Missed-slot records kept in memory for another try while MISSED_SLOTS does not take them (NATS
 * away): ~400 bytes each, so 100,000 (a 1,000-monitor platform's 15 minutes at 10 s) hold ~40 MB.
 * Beyond it, a record is only counted.
 */
const MAX_UNRECORDED = 100_000;

/**
 * A monitor's job refused this many slots in a row because the previous one still waits: the
 * waiting one is looked at, and removed if no prober will take it (see `clearStuckJob`).
 */
const STUCK_AFTER_REFUSALS = 3;
/**
 * A waiting job this many intervals old is removed: probers drop a job older than two intervals
 * (STALE_AFTER_INTERVALS) unrun, so one still waiting at three is either never delivered (a
 * message the consumer already passed, left behind by a failed store write) or dropped anyway.
 */
const STUCK_AFTER_INTERVALS = 3;

/** A job the work queue did not take (NATS away, no answer, full): tried again at each pass. */
interface Unpublished {
  monitor: Monitor;
  job: ProbeJob;
  slotMs: number;
}

/**
 * Sleeps until the next slot, takes what is due and, for monitors of the partitions this
 * scheduler holds, publishes one probe job per region to the PROBE_JOBS work queue. The job's id
 * is derived from its slot, so a job published twice (a retry, or two owners overlapping during
 * a hand-over) is dropped by JetStream as a duplicate. It reports how far it has published, which
 * the partition lease records so the next owner of a partition starts right after it.
 *
 * No slot goes unchecked silently. It records as missed (MISSED_SLOTS, for the metrics service)
 * every slot the schedule reached a whole interval late (`late`), and every slot whose job finds
 * the monitor's previous job still waiting in PROBE_JOBS (`late`, or `no_prober` when the region
 * has no live prober): a job is published only into an empty subject, so the waiting job keeps
 * its place in the queue. Probers take jobs in queue order, so under overload every monitor waits
 * alike, one job at a time, and misses alike (docs/architecture.md).
 *
 * A job the work queue does not take (NATS restarting, a timeout) is kept and published again at
 * each pass, one per monitor and region: until its successor is due, when it is recorded as
 * missed `unpublished` (the successor takes its place). Missed-slot records MISSED_SLOTS does not
 * take are kept and sent again likewise. While either waits, `publishedThrough` stays before its
 * slot, so a scheduler that dies meanwhile leaves the slot to its partition's next owner.
 */
@Injectable()
export class JobDispatcher
  implements OnApplicationBootstrap, OnApplicationShutdown, DispatchProgress
{
  private readonly log = new RateLimitedLog(new Logger(JobDispatcher.name));
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private publishing = Promise.resolve();
  private publisher?: JetStreamPublisher;
  /** A pass's missed-slot records, MAX_MISSED_PER_MESSAGE to a message per region. */
  private missedRecords?: MessageBatches<MissedSlot>;
  published = 0;
  readonly behind: FallingBehind;
  takenThrough = 0;
  publishedThrough = 0;
  /** By monitor and region: the newest slot whose job the queue has not taken yet. */
  private readonly unpublished = new Map<string, Unpublished>();
  /** Missed slots MISSED_SLOTS has not taken yet, oldest first. */
  private unrecorded: MissedSlot[] = [];
  /** By monitor and region: slots refused in a row because the previous job still waited. */
  private readonly refusals = new Map<string, number>();
  private jsm?: JetStreamManager;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly schedule: Schedule,
    private readonly partitions: PartitionLease,
    private readonly coverage: RegionCoverage,
    private readonly maintenance: MaintenanceCalendar,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    this.behind = new FallingBehind({
      metricPrefix: 'uptime_scheduler',
      subject: 'the scheduler',
      reasons: ['late', 'no_prober', 'unpublished', 'dropped'],
      advice:
        'probe jobs wait longer than their interval: add probers (replicas or PROBE_CONCURRENCY) or lengthen intervals; GET /monitors/{id}/coverage shows the slots missed',
      registry,
      logger: new Logger(JobDispatcher.name),
    });
    this.publishedTotal = new Counter({
      name: 'uptime_scheduler_jobs_published_total',
      help: 'Probe jobs published to the work queue',
      registers: [registry],
    });
    this.unpublishedTotal = new Counter({
      name: 'uptime_scheduler_jobs_unpublished_total',
      help: 'Probe jobs the work queue did not take (full: PROBE_JOBS_MAX_MB, or NATS away) until their successor was due: recorded as missed `unpublished`',
      registers: [registry],
    });
    this.stuckTotal = new Counter({
      name: 'uptime_scheduler_stuck_jobs_removed_total',
      help: `Probe jobs removed from PROBE_JOBS after waiting ${STUCK_AFTER_INTERVALS} intervals (no prober took them: a message left behind by a failed store write, such as a full disk), each recorded as missed \`dropped\``,
      registers: [registry],
    });
    this.unrecordedTotal = new Counter({
      name: 'uptime_scheduler_missed_slots_unrecorded_total',
      help: `Missed slots whose record MISSED_SLOTS did not take (full: MISSED_SLOTS_MAX_MB, or NATS away) while ${MAX_UNRECORDED} others already waited for another try: counted only`,
      registers: [registry],
    });
    new Gauge({
      name: 'uptime_scheduler_monitors',
      help: 'Active monitors in the schedule',
      registers: [registry],
      collect() {
        this.set(schedule.size);
      },
    });
  }

  private readonly publishedTotal: Counter;
  private readonly unpublishedTotal: Counter;
  private readonly unrecordedTotal: Counter;
  private readonly stuckTotal: Counter;

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    this.jsm = jsm;
    await ensureStream(jsm, ProbeJobStream, this.config.streamSizes);
    await ensureStream(jsm, MissedSlotStream, this.config.streamSizes);
    // A job NATS did not take is kept here and retried: the client must not also send it later.
    this.publisher = new JetStreamPublisher(this.nc, { refuseWhileDisconnected: true });
    const budget = new PayloadBudget(this.nc);
    this.missedRecords = new MessageBatches<MissedSlot>(this.publisher, {
      subjectOf: (slot) => missedSlotSubject(slot.region),
      // Each pass sends its records at once (flush); the window only bounds a forgotten flush.
      windowMs: DISPATCH_TICK_MS,
      maxItems: MAX_MISSED_PER_MESSAGE,
      maxBytes: () => budget.pageBytes,
    });
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.publishing;
    this.publisher?.close();
  }

  /** Re-plans the next wake-up (a monitor was added or changed). */
  wake(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const sleep = nextPassDelay(this.schedule.nextDueAt(), this.takenThrough, Date.now());
    this.timer = setTimeout(() => this.dispatch(), sleep);
  }

  /** Resolves once every job handed over so far is published, kept for another try, or missed. */
  settled(): Promise<void> {
    return this.publishing;
  }

  /** A taken-over partition's slots its previous owner left unpublished, after what is queued. */
  publishLate(due: DueCheck[]): Promise<void> {
    this.publishing = this.publishing.then(() => this.publish(this.jobsOf(due)));
    return this.publishing;
  }

  /**
   * A taken-over partition's slots too old to publish late (nobody published them: its owner
   * could not renew the lease, NATS or JetStream was unavailable): recorded as missed
   * `unpublished`, one record per region, kept and sent again until MISSED_SLOTS takes them.
   */
  recordSkipped(skipped: SkippedSlots[]): Promise<void> {
    this.publishing = this.publishing.then(() => {
      const now = Date.now();
      const missed: MissedSlot[] = [];
      for (const { monitor, slots, unlisted } of skipped) {
        for (const region of this.coverage.regionsOf(monitor)) {
          for (const slot of slots)
            missed.push(missedSlotOf(monitor, region, slot, 'unpublished', now));
          if (unlisted > 0) this.behind.missed('unpublished', unlisted, now - slots[0]!, now);
        }
      }
      return this.record(missed, now);
    });
    return this.publishing;
  }

  /** Slots still waiting to be published or recorded: the partition lease keeps them owed. */
  get unsettled(): number {
    return this.unpublished.size + this.unrecorded.length;
  }

  private dispatch(): void {
    const now = Date.now();
    const due = this.schedule
      .takeDue(now)
      .filter(({ monitor }) => this.partitions.owns(monitor.id));
    this.takenThrough = now;
    const missed = this.missedOf(due, now);
    // Every pass is chained, even an empty one, so `publishedThrough` keeps up with the clock.
    this.publishing = this.publishing.then(async () => {
      await this.retry(now);
      if (due.length > 0) await Promise.all([this.publish(this.jobsOf(due)), this.record(missed)]);
      this.publishedThrough = this.settledThrough(now);
    });
    this.wake();
  }

  /** The slots the schedule reached a whole interval late, one record per region; lag noted. */
  private missedOf(due: DueCheck[], now: number): MissedSlot[] {
    const missed: MissedSlot[] = [];
    let worstLag = 0;
    for (const { monitor, slotMs, missedSlots, missedCount } of due) {
      worstLag = Math.max(worstLag, now - slotMs);
      if (missedCount === 0) continue;
      const regions = this.coverage.regionsOf(monitor);
      for (const region of regions) {
        const reason = this.coverage.isServed(region, now) ? 'late' : 'no_prober';
        for (const slot of missedSlots)
          missed.push(missedSlotOf(monitor, region, slot, reason, now));
        // Beyond the listed slots of a very long stall, only the count says it.
        const unlisted = missedCount - missedSlots.length;
        if (unlisted > 0) this.behind.missed(reason, unlisted, now - slotMs, now);
      }
    }
    if (due.length > 0) this.behind.lag(worstLag, now);
    return missed;
  }

  /** Counts the missed slots and hands their records to the metrics service (MISSED_SLOTS). */
  private async record(missed: MissedSlot[], now = Date.now()): Promise<void> {
    if (missed.length === 0) return;
    for (const slot of missed)
      this.behind.missed(slot.reason, 1, now - Date.parse(slot.scheduledAt), now);
    await this.store(missed);
  }

  /**
   * Publishes missed-slot records, several to a message; those not taken are kept for the next
   * pass (bounded). One sent twice (stored, but its ack lost) counts once: coverage counts
   * distinct slots.
   */
  private async store(missed: MissedSlot[]): Promise<void> {
    if (missed.length === 0) return;
    const batches = this.missedRecords!;
    const stored = missed.map((slot) => batches.publish(slot));
    batches.flush();
    const results = await Promise.allSettled(stored);
    const failed = missed.filter((_, i) => results[i]!.status === 'rejected');
    if (failed.length === 0) return;
    const room = Math.max(0, MAX_UNRECORDED - this.unrecorded.length);
    this.unrecorded.push(...failed.slice(0, room));
    const lost = failed.length - Math.min(room, failed.length);
    if (lost === 0) return;
    this.unrecordedTotal.inc(lost);
    const reason = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    this.log.warn(
      `${lost} missed slots could not be recorded (counted only): ${String(reason.reason)}`,
    );
  }

  /**
   * Tries again what the last passes could not hand over: jobs whose slot is still young (and
   * whose partition is still ours: otherwise its next owner publishes them from the lease's
   * `through`), then the records of slots missed.
   */
  private async retry(now: number): Promise<void> {
    if (this.unsettled === 0) return;
    const again: Unpublished[] = [];
    const missed: MissedSlot[] = [];
    for (const [key, pending] of this.unpublished) {
      if (!this.partitions.owns(pending.monitor.id)) this.unpublished.delete(key);
      else if (now - pending.slotMs < pending.monitor.intervalSeconds * 1000) again.push(pending);
      else {
        this.unpublished.delete(key);
        missed.push(this.unpublishedSlot(pending, now));
      }
    }
    const records = this.unrecorded;
    this.unrecorded = [];
    await Promise.all([this.publish(again), this.store(records), this.record(missed, now)]);
  }

  /** Just before the oldest slot still owed (a job or a record), else `now`. */
  private settledThrough(now: number): number {
    let oldest = now + 1;
    for (const { slotMs } of this.unpublished.values()) oldest = Math.min(oldest, slotMs);
    for (const slot of this.unrecorded) oldest = Math.min(oldest, Date.parse(slot.scheduledAt));
    return Math.min(now, oldest - 1);
  }

  private unpublishedSlot({ monitor, job, slotMs }: Unpublished, now: number): MissedSlot {
    this.unpublishedTotal.inc();
    return missedSlotOf(monitor, job.region, slotMs, 'unpublished', now);
  }

  private jobsOf(due: DueCheck[]): Unpublished[] {
    const jobs = due.flatMap(({ monitor, slotMs }) => {
      const inMaintenance = this.maintenance.covers(monitor.id, slotMs);
      return this.coverage.regionsOf(monitor).map((region) => ({
        monitor,
        slotMs,
        job: probeJobFor(monitor, {
          checkId: checkIdOf(monitor.id, region, slotMs),
          region,
          scheduledAt: new Date(slotMs),
          onDemand: false,
          inMaintenance,
        }),
      }));
    });
    this.coverage.published(new Set(jobs.map(({ job }) => job.region)));
    return jobs;
  }

  /**
   * Publishes every job once; one the queue did not take is kept for the next pass (see the class
   * comment), never dropped silently. A job whose subject still holds the monitor's previous job
   * is not published: the waiting job keeps its place in the queue (replacing it would send the
   * monitor to the back, behind every other, and some monitors would never be checked), and this
   * slot is missed.
   */
  private async publish(jobs: Unpublished[]): Promise<void> {
    if (jobs.length === 0 || this.stopped) return;
    const results = await this.publishOnce(jobs.map(({ job }) => job));
    const missed: MissedSlot[] = [];
    const stuck: Unpublished[] = [];
    let published = 0;
    let lastError: unknown;
    const now = Date.now();
    results.forEach((result, i) => {
      const pending = jobs[i]!;
      const key = `${pending.monitor.id}|${pending.job.region}`;
      if (result.status === 'rejected' && !isSubjectNotEmpty(result.reason)) {
        lastError = result.reason;
        const kept = this.unpublished.get(key);
        // One job per monitor and region waits: the newer slot takes the older one's place.
        if (kept && kept.slotMs > pending.slotMs) missed.push(this.unpublishedSlot(pending, now));
        else {
          if (kept && kept !== pending) missed.push(this.unpublishedSlot(kept, now));
          this.unpublished.set(key, pending);
        }
        return;
      }
      if (this.unpublished.get(key) === pending) this.unpublished.delete(key);
      if (result.status === 'fulfilled') {
        published++;
        this.refusals.delete(key);
      } else {
        const reason = this.coverage.isServed(pending.job.region, now) ? 'late' : 'no_prober';
        // The job's own check id: no second hash per refused job.
        const { monitor, job, slotMs } = pending;
        missed.push(missedSlotOf(monitor, job.region, slotMs, reason, now, job.checkId));
        const refused = (this.refusals.get(key) ?? 0) + 1;
        this.refusals.set(key, refused);
        if (refused % STUCK_AFTER_REFUSALS === 0) stuck.push(pending);
      }
    });
    if (stuck.length > 0) missed.push(...(await this.clearStuckJobs(stuck, now)));
    this.published += published;
    this.publishedTotal.inc(published);
    if (lastError !== undefined)
      this.log.warn(
        `${this.unpublished.size} probe jobs wait for the work queue, tried again each second until their successor is due: ${String(lastError)}`,
      );
    await this.record(missed, now);
  }

  /**
   * The jobs that kept the subjects of these monitors occupied for several slots: each one
   * waiting longer than STUCK_AFTER_INTERVALS is removed, so the monitor's next slot is queued
   * again, and recorded as missed `dropped` (a prober would have dropped it unrun). Normally
   * the waiting job is just slow to be taken (probers behind): it is younger and stays. A
   * message a failed store write left behind (the consumer passed it, acked or not, but the work
   * queue did not delete it) would otherwise block its monitor for ever, every slot recorded
   * `late`. Looked at only after STUCK_AFTER_REFUSALS refusals in a row, so an overloaded
   * platform is not asked one more request per late slot.
   */
  private async clearStuckJobs(stuck: Unpublished[], now: number): Promise<MissedSlot[]> {
    const jsm = this.jsm;
    if (!jsm) return [];
    const cleared = await Promise.all(
      stuck.map(async ({ monitor, job }) => {
        const subject = probeJobSubject(job.region, job.monitorId);
        try {
          const waiting = await jsm.streams.getMessage(ProbeJobStream.name, {
            last_by_subj: subject,
          });
          const old = codec.decode(waiting.data);
          const age = now - Date.parse(old.scheduledAt);
          if (age < STUCK_AFTER_INTERVALS * monitor.intervalSeconds * 1000) return undefined;
          await jsm.streams.deleteMessage(ProbeJobStream.name, waiting.seq, false);
          this.log.warn(
            () =>
              `removed a probe job that waited ${Math.round(age / 1000)} s in PROBE_JOBS (no prober took it; recorded missed \`dropped\`): monitor ${monitor.id}, region ${job.region}`,
          );
          return missedSlotOf(monitor, old.region, Date.parse(old.scheduledAt), 'dropped', now);
        } catch (err) {
          // Taken meanwhile (no message), or JetStream busy: looked at again a few slots later.
          this.log.warn(() => `a waiting probe job could not be looked at: ${String(err)}`);
          return undefined;
        }
      }),
    );
    const removed = cleared.filter((slot): slot is MissedSlot => slot !== undefined);
    this.stuckTotal.inc(removed.length);
    return removed;
  }

  /** Each job only into an empty subject: one job per monitor and region waits at a time. */
  private publishOnce(jobs: ProbeJob[]): Promise<PromiseSettledResult<number>[]> {
    const publisher = this.publisher!;
    return Promise.allSettled(
      jobs.map((job) =>
        publisher.publish(
          probeJobSubject(job.region, job.monitorId),
          codec.encode(job),
          job.checkId,
          { expectEmptySubject: true },
        ),
      ),
    );
  }
}

function isSubjectNotEmpty(err: unknown): boolean {
  return err instanceof PublishNotAcknowledged && err.subjectNotEmpty;
}

function missedSlotOf(
  monitor: Monitor,
  region: string,
  slotMs: number,
  reason: MissedReason,
  now: number,
  checkId = checkIdOf(monitor.id, region, slotMs),
): MissedSlot {
  return {
    checkId,
    monitorId: monitor.id,
    ownerId: monitor.ownerId,
    region,
    scheduledAt: new Date(slotMs).toISOString(),
    reason,
    recordedAt: new Date(now).toISOString(),
  };
}

/**
 * How long the dispatcher sleeps: until the next slot is due, but at least DISPATCH_TICK_MS after
 * its last pass, and at most MAX_SLEEP_MS.
 */
export function nextPassDelay(
  nextDueAt: number | undefined,
  lastPassAt: number,
  now: number,
): number {
  if (nextDueAt === undefined) return MAX_SLEEP_MS;
  const tick = lastPassAt + DISPATCH_TICK_MS - now;
  return Math.min(MAX_SLEEP_MS, Math.max(0, nextDueAt - now, tick));
}
