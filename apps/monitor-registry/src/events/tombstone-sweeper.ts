import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { isNotFound, NATS_CONNECTION } from '@uptime/bus';
import { MaintenanceEventStream, MonitorEventStream, monitorEventFilter } from '@uptime/contracts';
import type { JsMsg, NatsConnection } from 'nats';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config';

const DAY_MS = 86_400_000;
const SWEEP_MS = 60 * 60 * 1000;

/**
 * Removes tombstones (a deleted monitor's last event, all that is left of it in MONITOR_EVENTS;
 * a deleted maintenance window's `window: null` in MAINTENANCE_EVENTS) older than
 * `MONITOR_TOMBSTONE_DAYS`: the streams have no age limit, so without this every monitor and
 * window ever deleted would stay in them. A durable consumer down for less than that still
 * hears each deletion; a consumer replaying from the start never meets a monitor deleted
 * earlier, which is the state it must end with anyway. Replicas may sweep at once: a purge
 * of what is already gone changes nothing.
 */
@Injectable()
export class TombstoneSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TombstoneSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sweepNow(), SWEEP_MS);
    this.timer.unref();
    this.sweepNow();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private sweepNow(): void {
    if (this.running) return;
    const cutoff = new Date(Date.now() - this.config.monitorTombstoneDays * DAY_MS);
    this.running = Promise.all(
      [MONITOR_TOMBSTONES, MAINTENANCE_TOMBSTONES].map((log) =>
        sweepTombstones(this.nc, cutoff, log),
      ),
    )
      .then(([monitors, windows]) => {
        const n = monitors! + windows!;
        if (n > 0) this.logger.log(`removed ${n} tombstones older than ${cutoff.toISOString()}`);
      })
      .catch((err: unknown) => this.logger.warn(`tombstone sweep failed: ${String(err)}`))
      .finally(() => (this.running = undefined));
  }
}

/** A compacted stream whose deleted entities leave a last message behind. */
export interface TombstoneLog {
  stream: string;
  /** One filter: the machine's nats-server may predate several (2.10). */
  filterSubjects: string;
  /** Whether the subject and time tell a tombstone, or its payload must be read. */
  headersOnly: boolean;
  isTombstone(message: JsMsg): boolean;
}

/** MONITOR_EVENTS: every `monitor.changed.deleted.*` message is a tombstone. */
export const MONITOR_TOMBSTONES: TombstoneLog = {
  stream: MonitorEventStream.name,
  filterSubjects: monitorEventFilter('deleted'),
  headersOnly: true,
  isTombstone: () => true,
};

/** MAINTENANCE_EVENTS: a window's last message is a tombstone when it says `window: null`. */
export const MAINTENANCE_TOMBSTONES: TombstoneLog = {
  stream: MaintenanceEventStream.name,
  filterSubjects: MaintenanceEventStream.subjects[0],
  headersOnly: false,
  isTombstone: (message) => {
    try {
      return message.json<{ window?: unknown }>().window === null;
    } catch {
      return false; // not ours to judge: a message no reader understands is left alone
    }
  },
};

/**
 * Purges every tombstone of `log` stored before `cutoff`, oldest first, and stops at the first
 * message younger than it (the stream is in time order). Each tombstone is alone on its subject,
 * so purging the subject removes exactly it. Returns how many went.
 */
export async function sweepTombstones(
  nc: NatsConnection,
  cutoff: Date,
  log: TombstoneLog = MONITOR_TOMBSTONES,
): Promise<number> {
  const jsm = await nc.jetstreamManager();
  // On a first start the relay may not have created the stream yet: nothing to sweep then.
  const exists = await jsm.streams.info(log.stream).then(
    () => true,
    (err: unknown) => {
      if (isNotFound(err)) return false;
      throw err;
    },
  );
  if (!exists) return 0;
  const consumer = await nc.jetstream().consumers.get(log.stream, {
    filterSubjects: log.filterSubjects,
    headers_only: log.headersOnly,
  });
  const cutoffNanos = cutoff.getTime() * 1_000_000;
  let removed = 0;
  // A fetch can come back empty on a busy server while messages remain: only the last message's
  // own `pending` of 0 says the log was read to its end; empty fetches end it after a few tries.
  for (let emptyFetches = 0; emptyFetches < SWEEP_EMPTY_FETCHES;) {
    let seen = 0;
    const batch = await consumer.fetch({ max_messages: 500, expires: 1000 });
    for await (const m of batch) {
      seen++;
      if (m.info.timestampNanos >= cutoffNanos) {
        await batch.close();
        return removed;
      }
      if (log.isTombstone(m)) {
        await jsm.streams.purge(log.stream, { filter: m.subject });
        removed++;
      }
      if (m.info.pending === 0) {
        await batch.close();
        return removed;
      }
    }
    emptyFetches = seen === 0 ? emptyFetches + 1 : 0;
  }
  return removed;
}

/** Empty fetches in a row after which a sweep ends without having seen the log's end. */
const SWEEP_EMPTY_FETCHES = 3;
