import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { isNotFound, NATS_CONNECTION } from '@uptime/bus';
import { MaintenanceEventStream, MonitorEventStream, monitorEventFilter } from '@uptime/contracts';
import {
  type JetStreamManager,
  type MsgRequest,
  type NatsConnection,
  NatsError,
  type StoredMsg,
} from 'nats';
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
  /** One subject filter, wildcards allowed, that holds every tombstone of the log. */
  filterSubject: string;
  isTombstone(message: StoredMsg): boolean;
}

/** MONITOR_EVENTS: every `monitor.changed.deleted.*` message is a tombstone. */
export const MONITOR_TOMBSTONES: TombstoneLog = {
  stream: MonitorEventStream.name,
  filterSubject: monitorEventFilter('deleted'),
  isTombstone: () => true,
};

/** MAINTENANCE_EVENTS: a window's last message is a tombstone when it says `window: null`. */
export const MAINTENANCE_TOMBSTONES: TombstoneLog = {
  stream: MaintenanceEventStream.name,
  filterSubject: MaintenanceEventStream.subjects[0],
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
 * message younger than it (the stream is in time order) or at the log's end. Each tombstone is
 * alone on its subject, so purging the subject removes exactly it. Returns how many went.
 *
 * It walks the stream with "next message at or after this sequence on this subject" reads,
 * not a consumer: a consumer's fetch may come back empty on a busy server while messages
 * remain, and its `pending` count is not kept exact across the purges the sweep itself makes
 * (nats-server 2.9), so a consumer could end a sweep early. A read by sequence answers "none
 * left" only when none is left.
 */
export async function sweepTombstones(
  nc: NatsConnection,
  cutoff: Date,
  log: TombstoneLog = MONITOR_TOMBSTONES,
): Promise<number> {
  const jsm = await nc.jetstreamManager();
  let removed = 0;
  for (let seq = 1; ;) {
    const message = await nextMessage(jsm, log, seq);
    if (!message || message.time.getTime() >= cutoff.getTime()) return removed;
    if (log.isTombstone(message)) {
      await jsm.streams.purge(log.stream, { filter: message.subject });
      removed++;
    }
    seq = message.seq + 1;
  }
}

/** The log's first message at or after `seq`, or none (also when the stream does not exist yet). */
async function nextMessage(
  jsm: JetStreamManager,
  log: TombstoneLog,
  seq: number,
): Promise<StoredMsg | undefined> {
  try {
    const next = { seq, next_by_subj: log.filterSubject };
    // nats.js types this query for direct gets alone; STREAM.MSG.GET has taken it since 2.9.
    return await jsm.streams.getMessage(log.stream, next as unknown as MsgRequest);
  } catch (err) {
    // On a first start the relay may not have created the stream yet: nothing to sweep then.
    if (isNoMessage(err) || isNotFound(err)) return undefined;
    throw err;
  }
}

function isNoMessage(err: unknown): boolean {
  return err instanceof NatsError && err.api_error?.err_code === NO_MESSAGE_FOUND;
}

/** JetStream's error code for a read past the last matching message. */
const NO_MESSAGE_FOUND = 10037;
