import {
  type ProberPresence,
  ProberPresenceBucket,
  type RegionIncident,
  ProberPresenceSchema,
  type Region,
  regionStates,
  type SeenPresence,
} from '@uptime/contracts';
import type { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';

/** The `probers` KV bucket, created alike by whoever opens it first (prober, gateway, scheduler). */
export function openProberPresence(nc: NatsConnection): Promise<KV> {
  return nc.jetstream().views.kv(ProberPresenceBucket.bucket, {
    ttl: ProberPresenceBucket.ttlMs,
    history: 1,
  });
}

/**
 * Follows the `probers` bucket: each prober's latest announcement, kept in memory, from which
 * the regions' states are computed on demand. The bucket's age limit removes a silent prober's
 * key without telling watchers, so liveness is judged by the time of each key's last write.
 */
export class ProberPresenceWatch {
  private readonly seen = new Map<string, SeenPresence>();
  private readonly lastSeenAtMs = new Map<string, number>();
  private watch?: QueuedIterator<KvEntry>;
  private loop?: Promise<void>;
  private initialised = false;

  /** Starts following; resolves once the bucket's current keys are read. */
  async start(nc: NatsConnection): Promise<void> {
    const kv = await openProberPresence(nc);
    let ready!: () => void;
    const initialised = new Promise<void>((resolve) => (ready = resolve));
    this.watch = await kv.watch({
      key: '>',
      initializedFn: () => {
        this.initialised = true;
        ready();
      },
    });
    this.loop = this.follow(this.watch);
    await initialised;
  }

  async stop(): Promise<void> {
    this.watch?.stop();
    await this.loop;
  }

  /** True once the keys present at start were read: until then every region looks down. */
  get isLoaded(): boolean {
    return this.initialised;
  }

  /**
   * Every known region's state: `configured` first, in that order, then the others seen; with
   * `incidents` (the open region incidents, by region), each region's own.
   */
  regions(
    configured: readonly string[],
    nowMs = Date.now(),
    incidents: ReadonlyMap<string, RegionIncident> = new Map(),
  ): Region[] {
    this.forgetSilent(nowMs);
    const { ttlMs } = ProberPresenceBucket;
    return regionStates(configured, this.seen.values(), this.lastSeenAtMs, nowMs, ttlMs, incidents);
  }

  /** Regions with at least one live prober (degraded ones too: they still run checks). */
  liveRegions(nowMs = Date.now()): string[] {
    return this.regions([], nowMs)
      .filter((r) => r.probers > 0)
      .map((r) => r.name);
  }

  /** Live probers of each region; used by tests and the scheduler's gauge. */
  liveProbers(region: string, nowMs = Date.now()): number {
    return this.regions([region], nowMs)[0]!.probers;
  }

  /**
   * Drops replicas silent past the TTL (the bucket already expired their keys, without a word
   * to watchers), so restarts under new names do not pile up; their region keeps its last time.
   */
  private forgetSilent(nowMs: number): void {
    for (const [key, { seenAtMs }] of this.seen) {
      if (nowMs - seenAtMs > ProberPresenceBucket.ttlMs) this.seen.delete(key);
    }
  }

  private async follow(watch: QueuedIterator<KvEntry>): Promise<void> {
    for await (const entry of watch) {
      if (entry.operation !== 'PUT') {
        this.seen.delete(entry.key);
        continue;
      }
      const presence = parsePresence(entry);
      if (!presence) continue;
      const seenAtMs = entry.created.getTime();
      this.seen.set(entry.key, { presence, seenAtMs });
      const last = this.lastSeenAtMs.get(presence.region) ?? 0;
      if (seenAtMs > last) this.lastSeenAtMs.set(presence.region, seenAtMs);
    }
  }
}

/** A value that does not parse (a newer prober's, a stray write) is ignored, not trusted. */
function parsePresence(entry: KvEntry): ProberPresence | null {
  try {
    const parsed = ProberPresenceSchema.safeParse(entry.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
