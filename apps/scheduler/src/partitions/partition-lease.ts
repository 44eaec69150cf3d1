import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NATS_CONNECTION } from '@uptime/bus';
import {
  type Monitor,
  PartitionConfigSchema,
  type PartitionLease as Lease,
  PartitionLeaseSchema,
  partitionOf,
  SchedulerPartitionBucket,
  schedulerPartitionKeys,
} from '@uptime/contracts';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import { JSONCodec, type KV, type KvEntry, type NatsConnection, type QueuedIterator } from 'nats';
import { Counter, Gauge, type Registry } from 'prom-client';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { type DueCheck, MAX_MISSED_LISTED, Schedule } from '../schedule/schedule';
import { nextSlot } from '../schedule/slots';
import { assignPartitions } from './assignment';

const codec = JSONCodec<unknown>();
/**
 * A new owner publishes the slots its predecessor left unpublished, up to this far back: the
 * PROBE_JOBS dedupe window, within which a slot the predecessor did publish after all is dropped
 * as a duplicate. Older slots (a partition nobody held for minutes) are counted as skipped.
 */
export const CATCH_UP_LIMIT_MS = 2 * 60_000;

/** What the dispatcher tells the lease about its progress (it attaches itself at start). */
export interface DispatchProgress {
  /** The latest time whose due checks were taken from the schedule (published if owned). */
  readonly takenThrough: number;
  /** The latest such time whose owned checks are all published (acked, or given up and counted). */
  readonly publishedThrough: number;
  /** Resolves once everything handed to the dispatcher so far is published. */
  settled(): Promise<void>;
  /** Publishes a taken-over partition's late slots after what is queued; resolves once done. */
  publishLate(due: DueCheck[]): Promise<void>;
  /** Records as missed `unpublished` a taken-over partition's slots too old to publish late. */
  recordSkipped(skipped: SkippedSlots[]): Promise<void>;
}

/** One monitor's slots nobody published, too old to publish late. */
export interface SkippedSlots {
  monitor: Monitor;
  /** The newest of them, at most MAX_MISSED_LISTED: each gets a MISSED_SLOTS record. */
  slots: number[];
  /** How many more there were (a very long outage): only counted. */
  unlisted: number;
}

interface Held {
  revision: number;
  /** What was last written as `through`. */
  through: number;
  renewedAt: number;
  /** The predecessor's late slots are still being published: `through` may not advance yet. */
  catchingUp: boolean;
  /** A keep-alive write in flight while the partition is handed over. */
  writing?: Promise<void>;
}

interface Seen {
  lease: Lease | null;
  revision: number;
  /** When this scheduler saw the key change, on its own clock. */
  changedAt: number;
}

/**
 * Active/active scheduling: monitors fall into `SCHEDULER_PARTITIONS` partitions by a hash of
 * their id, and each live scheduler holds a fair share of them as leases in the NATS KV bucket
 * `scheduler_partitions`, publishing jobs (and missed heartbeats) only for monitors of the
 * partitions it holds. Every instance keeps the whole schedule, so a partition changes hands
 * without loading anything.
 *
 * Liveness is judged by change, not by TTL: each scheduler rewrites its member key and its
 * partitions every third of `SCHEDULER_LEASE_SECONDS`, each partition with a revision check; a
 * key nobody changed for a whole lease (seen through a KV watch, on the reader's own clock) is
 * dead. Everyone computes the same fair assignment from the live members; an owner releases what
 * is no longer its own (after publishing everything it took), and only then, or once the owner
 * is dead, the assigned member claims it. The lease records `through`, the slot time up to which
 * every job of the partition is published; the new owner publishes the slots after it up to
 * where its own schedule stands, late, then goes on with the schedule: no slot lost. An owner
 * that cannot renew stops publishing a partition a lease after its last renewal, before anyone
 * may claim it; what still overlaps (a blocked event loop) carries the same Nats-Msg-Id and is
 * dropped by JetStream's dedupe: no slot doubled.
 */
@Injectable()
export class PartitionLease implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PartitionLease.name);
  private readonly log = new RateLimitedLog(this.logger);
  private kv?: KV;
  private watch?: QueuedIterator<KvEntry>;
  private watching = false;
  private progress?: DispatchProgress;
  private scheduleLoaded: () => boolean = () => false;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;
  private readonly held = new Map<number, Held>();
  private readonly claiming = new Set<number>();
  private readonly releasing = new Set<Promise<void>>();
  /** Partitions being handed over: no longer published, still renewed until the hand-over is written. */
  private readonly handingOver = new Map<number, Held>();
  private readonly seen = new Map<number, Seen>();
  /** Member id → when its key last changed, on this scheduler's clock. */
  private readonly members = new Map<string, number>();
  private desired: string[] = [];
  /** Partitions acquired and released since the last log line (one line per tick, not per partition). */
  private readonly moved = { acquired: [] as number[], released: [] as number[] };
  private readonly changes: Counter;
  private readonly takeover: Counter;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly schedule: Schedule,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    const owned = () => this.held.size;
    new Gauge({
      name: 'uptime_scheduler_partitions_owned',
      help: 'Partitions this scheduler holds and publishes jobs for (0: standby)',
      registers: [registry],
      collect() {
        this.set(owned());
      },
    });
    this.changes = new Counter({
      name: 'uptime_scheduler_partition_changes_total',
      help: 'Partitions this scheduler acquired, released (rebalance, shutdown) or lost (another took it after a missed renewal)',
      labelNames: ['change'],
      registers: [registry],
    });
    this.takeover = new Counter({
      name: 'uptime_scheduler_takeover_slots_total',
      help: 'Slots a partition’s previous owner left unpublished: published late by the new owner, or skipped when older than the dedupe window',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  get partitions(): number {
    return this.config.partitions;
  }

  /** The partitions held now, ascending. */
  get owned(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** Whether this scheduler publishes the monitor's jobs now. */
  owns(monitorId: string): boolean {
    return this.held.has(partitionOf(monitorId, this.config.partitions));
  }

  /**
   * Wired at start (scheduling.module.ts): the dispatcher reports its progress, and the
   * scheduler joins once its schedule is loaded, so what it takes over, it can publish.
   */
  attach(progress: DispatchProgress, scheduleLoaded: () => boolean): void {
    this.progress = progress;
    this.scheduleLoaded = scheduleLoaded;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.kv = await this.nc.jetstream().views.kv(SchedulerPartitionBucket.bucket, {
      history: 1,
      ttl: SchedulerPartitionBucket.maxAgeMs,
    });
    await this.checkPartitionCount(this.kv);
    this.watch = await this.kv.watch({
      key: '>',
      initializedFn: () => {
        this.watching = true;
      },
    });
    void this.follow(this.watch);
    const every = Math.max(250, (this.config.leaseSeconds * 1000) / 3);
    this.timer = setInterval(() => void this.tick(), every);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    const kv = this.kv;
    if (!kv) return;
    // Hand over at once rather than making the others wait a lease for these partitions.
    await Promise.all([...this.held].map(([p, held]) => this.release(p, held)));
    await Promise.all(this.releasing);
    await kv.delete(schedulerPartitionKeys.member(this.config.instanceId)).catch(() => undefined);
    this.watch?.stop();
  }

  /** Monitors hash to partitions by the count: schedulers that disagree would both skip some. */
  private async checkPartitionCount(kv: KV): Promise<void> {
    const wanted = this.config.partitions;
    const written = await kv
      .create(SchedulerPartitionBucket.configKey, codec.encode({ partitions: wanted }))
      .then(() => wanted)
      .catch(async () => {
        const entry = await kv.get(SchedulerPartitionBucket.configKey);
        const parsed = PartitionConfigSchema.safeParse(entry ? decode(entry.value) : undefined);
        return parsed.success ? parsed.data.partitions : wanted;
      });
    if (written === wanted) return;
    throw new Error(
      `SCHEDULER_PARTITIONS is ${wanted} but the schedulers sharing this NATS use ${written}: ` +
        `set it to ${written}, or stop every scheduler and delete the key ` +
        `"${SchedulerPartitionBucket.configKey}" of KV bucket ${SchedulerPartitionBucket.bucket} to change it`,
    );
  }

  private async follow(watch: QueuedIterator<KvEntry>): Promise<void> {
    for await (const entry of watch) {
      const now = Date.now();
      const put = entry.operation === 'PUT';
      if (entry.key.startsWith(SchedulerPartitionBucket.memberPrefix)) {
        const id = entry.key.slice(SchedulerPartitionBucket.memberPrefix.length);
        if (put) this.members.set(id, now);
        else this.members.delete(id);
        continue;
      }
      if (!entry.key.startsWith(SchedulerPartitionBucket.partitionPrefix)) continue;
      const p = Number(entry.key.slice(SchedulerPartitionBucket.partitionPrefix.length));
      if (!Number.isInteger(p) || p < 0 || p >= this.config.partitions) continue;
      // A key read again after a failed claim may be newer than what the watch delivers next.
      if (entry.revision < (this.seen.get(p)?.revision ?? 0)) continue;
      const parsed = put ? PartitionLeaseSchema.safeParse(decode(entry.value)) : undefined;
      const lease = parsed?.success ? parsed.data : null;
      this.seen.set(p, { lease, revision: entry.revision, changedAt: now });
      const held = this.held.get(p);
      // Another wrote our partition after our last write: a renewal of ours came too late.
      // Stop publishing now rather than at the next renewal.
      if (held && entry.revision > held.revision && lease?.owner !== this.config.instanceId)
        this.lose(p);
      // Released to us: claim it now rather than at the next tick (a shorter late window).
      if (!held && lease && lease.owner === null && this.desired[p] === this.config.instanceId)
        void this.claim(p);
    }
  }

  private tick(): Promise<void> {
    if (this.ticking || this.stopped) return this.ticking ?? Promise.resolve();
    this.ticking = this.pass()
      .catch((err: unknown) => this.log.warn(`partition leases not renewed: ${String(err)}`))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async pass(): Promise<void> {
    const now = Date.now();
    const leaseMs = this.config.leaseSeconds * 1000;
    for (const [p, held] of this.held) {
      if (now - held.renewedAt > leaseMs) {
        this.log.warn(
          `partition ${p} not renewed for ${now - held.renewedAt} ms: stopped publishing it`,
        );
        this.lose(p);
      }
    }
    if (!this.watching || !this.progress || !this.scheduleLoaded() || !this.kv) return;
    const me = this.config.instanceId;
    await this.kv.put(
      schedulerPartitionKeys.member(me),
      codec.encode({ id: me, partitions: this.config.partitions }),
    );
    this.members.set(me, Date.now());
    const live = [...this.members].filter(([, at]) => now - at <= leaseMs).map(([id]) => id);
    this.desired = assignPartitions(this.config.partitions, live);
    const steps: Promise<void>[] = [];
    for (let p = 0; p < this.config.partitions; p++) steps.push(this.step(p, now, leaseMs));
    // A release waits for the dispatcher to publish what it took; meanwhile the key is kept
    // fresh, or the next owner would take it as dead and start from an older `through`.
    for (const [p, held] of this.handingOver) steps.push(this.keepAlive(p, held));
    await Promise.all(steps);
    this.logMoves(live.length);
  }

  private logMoves(members: number): void {
    const { acquired, released } = this.moved;
    if (acquired.length === 0 && released.length === 0) return;
    const list = (ps: number[]) => (ps.length ? ps.sort((a, b) => a - b).join(',') : 'none');
    this.logger.log(
      `${this.config.instanceId} (${members} live schedulers) acquired ${list(acquired)}, released ${list(released)}: holds ${this.held.size} of ${this.config.partitions}`,
    );
    this.moved.acquired = [];
    this.moved.released = [];
  }

  private async step(p: number, now: number, leaseMs: number): Promise<void> {
    const me = this.config.instanceId;
    if (this.handingOver.has(p)) return;
    const held = this.held.get(p);
    if (held && this.desired[p] === me) return this.renew(p, held);
    // A release waits for the dispatcher's queue; the tick (and so the renewals and the member
    // heartbeat) must not, or a busy scheduler would look dead to the others.
    if (held) return void this.track(this.release(p, held));
    if (this.desired[p] !== me) return;
    const seen = this.seen.get(p);
    const owner = seen?.lease?.owner;
    // A live owner keeps it until it releases it (it will: it computes the same assignment).
    if (owner && owner !== me && now - seen.changedAt <= leaseMs) return;
    return this.claim(p);
  }

  private async claim(p: number): Promise<void> {
    if (this.claiming.has(p) || this.held.has(p) || this.stopped || !this.kv) return;
    this.claiming.add(p);
    const seen = this.seen.get(p);
    const through = seen?.lease?.through ?? 0;
    const key = schedulerPartitionKeys.partition(p);
    const value = codec.encode({ owner: this.config.instanceId, through });
    try {
      const revision = seen
        ? await this.kv.update(key, value, seen.revision)
        : await this.kv.create(key, value);
      if (this.stopped) return;
      // Read synchronously with taking it: slots after `taken` are still in the schedule's queue.
      const taken = this.progress!.takenThrough;
      const held: Held = { revision, through, renewedAt: Date.now(), catchingUp: true };
      this.held.set(p, held);
      this.changes.inc({ change: 'acquired' });
      this.moved.acquired.push(p);
      void this.catchUp(p, through, taken).finally(() => (held.catchingUp = false));
    } catch {
      // Someone moved first, or our view is old (the key expired): read it again for next time.
      await this.refresh(p);
    } finally {
      this.claiming.delete(p);
    }
  }

  /** Publishes the slots in (through, taken] of the partition's monitors, late. */
  private async catchUp(p: number, through: number, taken: number): Promise<void> {
    if (through <= 0 || taken <= through) return;
    const from = Math.max(through, taken - CATCH_UP_LIMIT_MS);
    const due: DueCheck[] = [];
    const skipped: SkippedSlots[] = [];
    let skippedCount = 0;
    for (const monitor of this.schedule.probed()) {
      if (partitionOf(monitor.id, this.config.partitions) !== p) continue;
      const intervalMs = monitor.intervalSeconds * 1000;
      // No slot from before the monitor existed.
      const since = Math.max(from, Date.parse(monitor.createdAt));
      for (let slot = nextSlot(monitor.id, intervalMs, since); slot <= taken; slot += intervalMs)
        due.push({ monitor, slotMs: slot, missedSlots: [], missedCount: 0 });
      if (from <= through) continue;
      const older = slotsBetween(
        monitor.id,
        intervalMs,
        Math.max(through, Date.parse(monitor.createdAt)),
        from,
      );
      if (older.count === 0) continue;
      skipped.push({ monitor, slots: older.newest, unlisted: older.count - older.newest.length });
      skippedCount += older.count;
    }
    if (skippedCount > 0) {
      this.takeover.inc({ outcome: 'skipped' }, skippedCount);
      this.log.warn(
        `partition ${p} was unpublished for ${taken - through} ms (its owner could not renew it, or NATS was unavailable): ${skippedCount} slots older than ${CATCH_UP_LIMIT_MS} ms recorded as missed \`unpublished\``,
      );
    }
    if (due.length > 0) this.takeover.inc({ outcome: 'published' }, due.length);
    // The records first: a slot both recorded and (somehow) checked counts as checked, once.
    await Promise.all([
      skipped.length > 0 ? this.progress!.recordSkipped(skipped) : undefined,
      due.length > 0 ? this.progress!.publishLate(due) : undefined,
    ]);
  }

  private async renew(p: number, held: Held): Promise<void> {
    const through = held.catchingUp
      ? held.through
      : Math.max(held.through, this.progress!.publishedThrough);
    try {
      held.revision = await this.kv!.update(
        schedulerPartitionKeys.partition(p),
        codec.encode({ owner: this.config.instanceId, through }),
        held.revision,
      );
      held.through = through;
      held.renewedAt = Date.now();
    } catch (err) {
      // A revision conflict means another holds it now; anything else (a timeout) is retried
      // at the next tick, and the lease is dropped if it keeps failing for a lease.
      if (isConflict(err) && this.held.get(p) === held) this.lose(p);
    }
  }

  /** Stops publishing the partition, waits for what was taken while it was ours, then hands it over. */
  private async release(p: number, held: Held): Promise<void> {
    if (this.held.get(p) !== held) return;
    this.held.delete(p);
    this.handingOver.set(p, held);
    const taken = this.progress?.takenThrough ?? 0;
    await this.progress?.settled();
    // Slots the dispatcher still owes (NATS did not take them yet) stay the next owner's.
    const through = Math.max(
      held.through,
      Math.min(taken, this.progress?.publishedThrough ?? taken),
    );
    this.changes.inc({ change: 'released' });
    this.moved.released.push(p);
    const key = schedulerPartitionKeys.partition(p);
    // A keep-alive may have moved the revision meanwhile: retry while the key is still ours.
    for (let attempt = 0; attempt < 3; attempt++) {
      await held.writing;
      const written = await this.kv!.update(
        key,
        codec.encode({ owner: null, through }),
        held.revision,
      ).catch(() => undefined);
      if (written !== undefined) break;
      const entry = await this.kv!.get(key).catch(() => null);
      const lease =
        entry?.operation === 'PUT'
          ? PartitionLeaseSchema.safeParse(decode(entry.value))
          : undefined;
      if (!entry || !lease?.success || lease.data.owner !== this.config.instanceId) break;
      held.revision = entry.revision;
    }
    this.handingOver.delete(p);
  }

  private async keepAlive(p: number, held: Held): Promise<void> {
    const write = this.kv!.update(
      schedulerPartitionKeys.partition(p),
      codec.encode({ owner: this.config.instanceId, through: held.through }),
      held.revision,
    ).then(
      (revision) => {
        held.revision = revision;
      },
      () => undefined,
    );
    held.writing = write;
    await write;
  }

  private track(release: Promise<void>): void {
    this.releasing.add(release);
    void release.finally(() => this.releasing.delete(release));
  }

  private lose(p: number): void {
    if (!this.held.delete(p)) return;
    this.changes.inc({ change: 'lost' });
    this.log.warn(`${this.config.instanceId} lost partition ${p} to another scheduler`);
  }

  private async refresh(p: number): Promise<void> {
    const entry = await this.kv!.get(schedulerPartitionKeys.partition(p)).catch(() => null);
    if (!entry) return void this.seen.delete(p);
    const parsed =
      entry.operation === 'PUT' ? PartitionLeaseSchema.safeParse(decode(entry.value)) : undefined;
    const previous = this.seen.get(p);
    this.seen.set(p, {
      lease: parsed?.success ? parsed.data : null,
      revision: entry.revision,
      changedAt: previous?.revision === entry.revision ? previous.changedAt : Date.now(),
    });
  }
}

/**
 * How many slots of the monitor fall in (from, to], and the newest of them (at most
 * MAX_MISSED_LISTED).
 */
export function slotsBetween(
  monitorId: string,
  intervalMs: number,
  from: number,
  to: number,
): { count: number; newest: number[] } {
  let count = 0;
  const newest: number[] = [];
  for (let slot = nextSlot(monitorId, intervalMs, from); slot <= to; slot += intervalMs) {
    count++;
    newest.push(slot);
    if (newest.length > MAX_MISSED_LISTED) newest.shift();
  }
  return { count, newest };
}

function isConflict(err: unknown): boolean {
  return err instanceof Error && /wrong last sequence/i.test(err.message);
}

function decode(data: Uint8Array): unknown {
  try {
    return codec.decode(data);
  } catch {
    return undefined;
  }
}
