import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { isNotFound, NATS_CONNECTION } from '@uptime/bus';
import { MonitorEventStream, monitorEventFilter } from '@uptime/contracts';
import type { NatsConnection } from 'nats';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config';

const DAY_MS = 86_400_000;
const SWEEP_MS = 60 * 60 * 1000;

/**
 * Removes tombstones (a deleted monitor's last event, all that is left of it in MONITOR_EVENTS)
 * older than `MONITOR_TOMBSTONE_DAYS`: the stream has no age limit, so without this every
 * monitor ever deleted would stay in it. A durable consumer down for less than that still
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
    this.running = sweepTombstones(this.nc, cutoff)
      .then(
        (n) => n && this.logger.log(`removed ${n} tombstones older than ${cutoff.toISOString()}`),
      )
      .catch((err: unknown) => this.logger.warn(`tombstone sweep failed: ${String(err)}`))
      .finally(() => (this.running = undefined));
  }
}

/**
 * Purges every tombstone stored before `cutoff`, oldest first, and stops at the first younger
 * one (the stream is in time order). Each tombstone is alone on its subject, so purging the
 * subject removes exactly it. Reads headers only: the subject and time are all it needs.
 * Returns how many went.
 */
export async function sweepTombstones(nc: NatsConnection, cutoff: Date): Promise<number> {
  const jsm = await nc.jetstreamManager();
  // On a first start the relay may not have created the stream yet: nothing to sweep then.
  const exists = await jsm.streams.info(MonitorEventStream.name).then(
    () => true,
    (err: unknown) => {
      if (isNotFound(err)) return false;
      throw err;
    },
  );
  if (!exists) return 0;
  const consumer = await nc.jetstream().consumers.get(MonitorEventStream.name, {
    filterSubjects: monitorEventFilter('deleted'),
    headers_only: true,
  });
  const cutoffNanos = cutoff.getTime() * 1_000_000;
  let removed = 0;
  for (;;) {
    let seen = 0;
    const batch = await consumer.fetch({ max_messages: 500, expires: 1000 });
    for await (const m of batch) {
      seen++;
      if (m.info.timestampNanos >= cutoffNanos) {
        await batch.close();
        return removed;
      }
      await jsm.streams.purge(MonitorEventStream.name, { filter: m.subject });
      removed++;
    }
    if (seen === 0) return removed;
  }
}
