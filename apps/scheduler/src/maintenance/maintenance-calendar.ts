import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ensureStream, NATS_CONNECTION } from '@uptime/bus';
import {
  MaintenanceChangedEventSchema,
  MaintenanceEventStream,
  type MaintenanceWindow,
  occurrencesBetween,
} from '@uptime/contracts';
import { type ConsumerMessages, JSONCodec, type NatsConnection } from 'nats';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

const codec = JSONCodec<unknown>();
const DAY_MS = 86_400_000;

/**
 * Every maintenance window, read from MAINTENANCE_EVENTS from its first message (a compacted
 * log: each window's latest state, deletions included), then followed. The dispatcher asks it
 * whether a monitor's slot falls in one of its windows and stamps the job so. In memory only,
 * like the schedule: a restart reads the stream again. Windows are indexed by monitor, so a
 * monitor without any costs one map lookup per job.
 */
@Injectable()
export class MaintenanceCalendar implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MaintenanceCalendar.name);
  private readonly windows = new Map<string, MaintenanceWindow>();
  private byMonitor = new Map<string, MaintenanceWindow[]>();
  private messages?: ConsumerMessages;
  private loaded = false;
  /**
   * Each window's occurrences overlapping one UTC day, as [start, end) instants, for the day
   * asked about last: an expansion walks the rule from its first start, so it is done once a
   * day per window, not once a check.
   */
  private spans = new Map<string, [number, number][]>();
  private spansDay = -1;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  /** Whether the stream has been read up to where it was when the scheduler started. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await ensureStream(jsm, MaintenanceEventStream, this.config.streamSizes);
    const { state } = await jsm.streams.info(MaintenanceEventStream.name);
    if (state.messages === 0) this.loaded = true;
    // An ordered consumer delivers from the first message by default (naming DeliverPolicy.All
    // here makes nats.js 2.29 wait forever).
    const consumer = await this.nc.jetstream().consumers.get(MaintenanceEventStream.name);
    this.messages = await consumer.consume();
    void this.follow();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messages?.close();
  }

  /** Whether a check of the monitor scheduled at `at` is in one of its maintenance windows. */
  covers(monitorId: string, at: number): boolean {
    const windows = this.byMonitor.get(monitorId);
    if (windows === undefined) return false;
    return windows.some((window) =>
      this.spansOf(window, at).some(([start, end]) => start <= at && at < end),
    );
  }

  private spansOf(window: MaintenanceWindow, at: number): [number, number][] {
    const day = Math.floor(at / DAY_MS);
    if (day !== this.spansDay) {
      this.spans = new Map();
      this.spansDay = day;
    }
    let spans = this.spans.get(window.id);
    if (!spans) {
      spans = occurrencesBetween(window, day * DAY_MS, (day + 1) * DAY_MS).map((o) => [
        Date.parse(o.startsAt),
        Date.parse(o.endsAt),
      ]);
      this.spans.set(window.id, spans);
    }
    return spans;
  }

  private async follow(): Promise<void> {
    if (!this.messages) return;
    for await (const m of this.messages) {
      const parsed = MaintenanceChangedEventSchema.safeParse(decode(m.data));
      if (parsed.success) this.apply(parsed.data.windowId, parsed.data.window);
      else this.logger.warn(`ignored a malformed maintenance event (seq ${m.seq})`);
      if (!this.loaded && m.info.pending === 0) {
        this.loaded = true;
        this.logger.log(`maintenance calendar loaded: ${this.windows.size} windows`);
      }
    }
  }

  private apply(windowId: string, window: MaintenanceWindow | null): void {
    if (window) this.windows.set(windowId, window);
    else this.windows.delete(windowId);
    this.spans.delete(windowId);
    this.reindex();
  }

  /** Windows change rarely (a person edits them); rebuilding the index is simplest and cheap. */
  private reindex(): void {
    const byMonitor = new Map<string, MaintenanceWindow[]>();
    for (const window of this.windows.values())
      for (const monitorId of window.monitorIds)
        byMonitor.set(monitorId, [...(byMonitor.get(monitorId) ?? []), window]);
    this.byMonitor = byMonitor;
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
