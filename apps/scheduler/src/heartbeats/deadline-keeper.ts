import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ensureStream, JetStreamPublisher, NATS_CONNECTION } from '@uptime/bus';
import {
  CheckResultStream,
  checkResultSubject,
  HeartbeatBucket,
  heartbeatKeys,
  HeartbeatMarkSchema,
  type MissedHeartbeats,
  MissedHeartbeatsSchema,
  missedHeartbeatResult,
  type Monitor,
  PUSH_REGION,
} from '@uptime/contracts';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import { JSONCodec, type KV, type NatsConnection, type QueuedIterator, type KvEntry } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { MaintenanceCalendar } from '../maintenance/maintenance-calendar';
import { PartitionLease } from '../partitions/partition-lease';
import { Schedule } from '../schedule/schedule';
import { deadlineOf, dueMisses, missedCheckId } from './deadlines';

const codec = JSONCodec<unknown>();
/** Look at least this often, so a partition's new owner reports a deadline within a second. */
const MAX_SLEEP_MS = 1000;

/**
 * Stores a `down` result (`missed_heartbeat`) for each period a heartbeat monitor went without a
 * ping. Every scheduler instance follows the `heartbeats` KV bucket (the gateway's ping times,
 * the owners' count of periods reported) and keeps it in memory; only the scheduler holding the
 * monitor's partition publishes.
 * Each missed period has a deterministic check id (monitor, base, period number), used as the
 * JetStream message id and stored by metrics and the notifier as the check's id: a period
 * published twice (an owner that died between publishing and recording it, or two owners during
 * a hand-over) is one result. The count is recorded after the publish, so a period is never lost.
 */
@Injectable()
export class DeadlineKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new RateLimitedLog(new Logger(DeadlineKeeper.name));
  private readonly pings = new Map<string, number>();
  private readonly missed = new Map<string, MissedHeartbeats>();
  private kv?: KV;
  private watch?: QueuedIterator<KvEntry>;
  private publisher?: JetStreamPublisher;
  private timer?: NodeJS.Timeout;
  private initialized = false;
  private stopped = false;
  private running = Promise.resolve();
  private readonly missedTotal: Counter;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly schedule: Schedule,
    private readonly partitions: PartitionLease,
    private readonly maintenance: MaintenanceCalendar,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    this.missedTotal = new Counter({
      name: 'uptime_scheduler_missed_heartbeats_total',
      help: 'missed_heartbeat results published (a re-publish after a hand-over counts again)',
      registers: [registry],
    });
  }

  /** True once the bucket's current keys are in memory: before that no deadline is judged. */
  get isInitialized(): boolean {
    return this.initialized;
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureStream(
      await this.nc.jetstreamManager(),
      CheckResultStream,
      this.config.streamSizes,
    );
    this.kv = await this.nc.jetstream().views.kv(HeartbeatBucket.bucket, {
      history: 1,
      ttl: HeartbeatBucket.ttlMs,
      max_bytes: HeartbeatBucket.maxBytes,
    });
    this.publisher = new JetStreamPublisher(this.nc);
    this.watch = await this.kv.watch({
      key: '>',
      initializedFn: () => {
        this.initialized = true;
      },
    });
    void this.follow(this.watch);
    this.wake(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.watch?.stop();
    await this.running;
    this.publisher?.close();
  }

  /** The monitor is gone: its keys go too (its partition owner's job; the bucket's TTL catches the rest). */
  async forget(monitorId: string): Promise<void> {
    this.pings.delete(monitorId);
    this.missed.delete(monitorId);
    if (!this.partitions.owns(monitorId) || !this.kv) return;
    const kv = this.kv;
    await Promise.all(
      [heartbeatKeys.ping, heartbeatKeys.start, heartbeatKeys.missed].map((key) =>
        kv.purge(key(monitorId)).catch(() => undefined),
      ),
    );
  }

  private async follow(watch: QueuedIterator<KvEntry>): Promise<void> {
    for await (const entry of watch) {
      const [kind, monitorId] = splitKey(entry.key);
      if (!monitorId) continue;
      const value = entry.operation === 'PUT' ? decode(entry.value) : undefined;
      if (kind === 'ping') {
        const mark = HeartbeatMarkSchema.safeParse(value);
        if (mark.success) this.pings.set(monitorId, mark.data.at);
        else this.pings.delete(monitorId);
      } else if (kind === 'missed') {
        const missed = MissedHeartbeatsSchema.safeParse(value);
        // Our own writes come back too: never go back to an older count.
        if (!missed.success) this.missed.delete(monitorId);
        else this.setMissed(monitorId, missed.data);
      }
    }
  }

  private wake(sleepMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.running
        .then(() => this.pass())
        .catch((err: unknown) => {
          this.log.warn(`missed heartbeats could not be stored, retrying: ${String(err)}`);
        });
      void this.running.then(() => this.wake(this.sleepMs()));
    }, sleepMs);
  }

  /** Until the next deadline of any heartbeat monitor, at most a second. */
  private sleepMs(): number {
    const now = Date.now();
    let next = now + MAX_SLEEP_MS;
    for (const monitor of this.schedule.heartbeats()) {
      next = Math.min(next, dueMisses(this.clockOf(monitor), now).nextDeadline);
    }
    return Math.max(0, next - now);
  }

  private async pass(): Promise<void> {
    if (!this.initialized || this.stopped) return;
    const now = Date.now();
    const work: Promise<void>[] = [];
    for (const monitor of this.schedule.heartbeats()) {
      if (!this.partitions.owns(monitor.id)) continue;
      const due = dueMisses(this.clockOf(monitor), now);
      if (due.periods.length) work.push(this.report(monitor, due));
    }
    await Promise.all(work);
  }

  /** Publishes each missed period, then records them as reported (so a crash re-publishes, never skips). */
  private async report(monitor: Monitor, due: ReturnType<typeof dueMisses>): Promise<void> {
    const settings = monitor.heartbeat!;
    const lastPingAt = this.pings.get(monitor.id) ?? null;
    await Promise.all(
      due.periods.map((k) => {
        const deadline = deadlineOf(due.base, settings, k);
        const result = missedHeartbeatResult({
          id: missedCheckId(monitor.id, due.base, k),
          monitorId: monitor.id,
          ownerId: monitor.ownerId,
          settings,
          deadline,
          lastPingAt,
          inMaintenance: this.maintenance.covers(monitor.id, deadline),
        });
        return this.publisher!.publish(
          checkResultSubject(PUSH_REGION),
          codec.encode(result),
          result.id,
        );
      }),
    );
    this.missedTotal.inc(due.periods.length);
    const missed = { base: due.base, reported: due.reported };
    this.setMissed(monitor.id, missed);
    await this.kv!.put(heartbeatKeys.missed(monitor.id), codec.encode(missed));
  }

  private setMissed(monitorId: string, next: MissedHeartbeats): void {
    const held = this.missed.get(monitorId);
    if (held && held.base === next.base && held.reported > next.reported) return;
    if (held && held.base > next.base) return;
    this.missed.set(monitorId, next);
  }

  private clockOf(monitor: Monitor) {
    return {
      settings: monitor.heartbeat!,
      lastPingAt: this.pings.get(monitor.id) ?? null,
      changedAt: Date.parse(monitor.updatedAt),
      missed: this.missed.get(monitor.id) ?? null,
    };
  }
}

/** `ping.<id>` → [`ping`, id]. */
function splitKey(key: string): [string, string | undefined] {
  const dot = key.indexOf('.');
  return dot < 0 ? [key, undefined] : [key.slice(0, dot), key.slice(dot + 1)];
}

function decode(data: Uint8Array): unknown {
  try {
    return codec.decode(data);
  } catch {
    return undefined;
  }
}
