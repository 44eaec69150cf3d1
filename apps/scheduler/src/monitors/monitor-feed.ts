import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BusClient, ensureStream, NATS_CONNECTION } from '@uptime/bus';
import {
  type Monitor,
  MonitorChangedEventSchema,
  MonitorEventStream,
  RegistrySubjects,
} from '@uptime/contracts';
import { type ConsumerMessages, DeliverPolicy, JSONCodec, type NatsConnection } from 'nats';
import { Schedule } from '../schedule/schedule';
import { JobDispatcher } from '../jobs/job-dispatcher';
import { DeadlineKeeper } from '../heartbeats/deadline-keeper';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

export const REGISTRY_CLIENT = Symbol('REGISTRY_CLIENT');
const codec = JSONCodec<unknown>();
/** Monitors asked per snapshot page; the registry answers fewer when they would pass its byte budget. */
const PAGE = 1000;
/** Events pulled ahead from the stream. */
const PULL = 1000;

/**
 * Keeps the schedule equal to the registry: follows MONITOR_EVENTS from the moment it starts,
 * then loads the registry's snapshot page by page, then applies the events. Versions make the
 * order of the two harmless: an event older than what the schedule holds is ignored.
 */
@Injectable()
export class MonitorFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MonitorFeed.name);
  private messages?: ConsumerMessages;
  private loaded = false;
  private stopped = false;
  private waking?: NodeJS.Immediate;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Inject(REGISTRY_CLIENT) private readonly registry: BusClient,
    private readonly schedule: Schedule,
    private readonly dispatcher: JobDispatcher,
    private readonly deadlines: DeadlineKeeper,
  ) {}

  get isLoaded(): boolean {
    return this.loaded;
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureStream(
      await this.nc.jetstreamManager(),
      MonitorEventStream,
      this.config.streamSizes,
    );
    const consumer = await this.nc.jetstream().consumers.get(MonitorEventStream.name, {
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date().toISOString(),
    });
    // Pulled a thousand at a time: a bulk import arrives as a burst of events.
    this.messages = await consumer.consume({ max_messages: PULL });
    void this.loadSnapshot().then(() => this.follow());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearImmediate(this.waking);
    await this.messages?.close();
  }

  /** Retries until the registry answers: a scheduler may start before it. */
  private async loadSnapshot(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        let cursor: string | undefined;
        let count = 0;
        do {
          const page = await this.registry.request(RegistrySubjects.listActiveMonitors, {
            limit: PAGE,
            cursor,
          });
          for (const monitor of page.items) this.apply(monitor);
          count += page.items.length;
          cursor = page.nextCursor ?? undefined;
        } while (cursor && !this.stopped);
        this.loaded = true;
        this.logger.log(`schedule loaded: ${count} active monitors`);
        this.dispatcher.wake();
        return;
      } catch (err) {
        this.logger.warn(`registry snapshot failed (attempt ${attempt}), retrying: ${String(err)}`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
      }
    }
  }

  private async follow(): Promise<void> {
    if (!this.messages) return;
    for await (const m of this.messages) {
      const parsed = MonitorChangedEventSchema.safeParse(decode(m.data));
      if (!parsed.success) {
        this.logger.warn(`ignored a malformed monitor event (seq ${m.seq})`);
        continue;
      }
      const event = parsed.data;
      const held = this.schedule.version(event.monitorId);
      if (held !== undefined && held >= event.version) continue;
      if (event.kind === 'deleted') {
        this.schedule.remove(event.monitorId);
        if (event.monitor.type === 'heartbeat') void this.deadlines.forget(event.monitorId);
      } else this.apply(event.monitor);
      this.wakeSoon();
    }
  }

  /**
   * Re-plans the dispatcher once after the events already received, not once per event: a bulk
   * import's burst of thousands of events then costs one re-plan per burst.
   */
  private wakeSoon(): void {
    if (this.waking) return;
    this.waking = setImmediate(() => {
      this.waking = undefined;
      this.dispatcher.wake();
    });
  }

  private apply(monitor: Monitor): void {
    const held = this.schedule.version(monitor.id);
    if (held !== undefined && held >= monitor.version) return;
    this.schedule.upsert(monitor, Date.now());
  }
}

/** A message that is not JSON is malformed like any other, not a reason to stop following. */
function decode(data: Uint8Array): unknown {
  try {
    return codec.decode(data);
  } catch {
    return undefined;
  }
}
