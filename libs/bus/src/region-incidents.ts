import { type RegionIncident, RegionIncidentBucket, RegionIncidentSchema } from '@uptime/contracts';
import type { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';

/** The `region_incidents` KV bucket, created alike by its writer (notifier) and readers (gateway). */
export function openRegionIncidents(nc: NatsConnection): Promise<KV> {
  return nc.jetstream().views.kv(RegionIncidentBucket.bucket, {
    ttl: RegionIncidentBucket.ttlMs,
    history: 1,
  });
}

/**
 * Follows the `region_incidents` bucket: the open region incident of each region, in memory. A
 * key the bucket's age limit removed (its writer stopped) says nothing to watchers, so an entry
 * older than the limit is dropped on reading.
 */
export class RegionIncidentWatch {
  private readonly open = new Map<string, { incident: RegionIncident; seenAtMs: number }>();
  private watch?: QueuedIterator<KvEntry>;
  private loop?: Promise<void>;

  /** Starts following; resolves once the bucket's current keys are read. */
  async start(nc: NatsConnection): Promise<void> {
    const kv = await openRegionIncidents(nc);
    let ready!: () => void;
    const initialised = new Promise<void>((resolve) => (ready = resolve));
    this.watch = await kv.watch({ key: '>', initializedFn: () => ready() });
    this.loop = this.follow(this.watch);
    await initialised;
  }

  async stop(): Promise<void> {
    this.watch?.stop();
    await this.loop;
  }

  /** The open incident of each region that has one, by region name (keys may be cut down). */
  incidents(nowMs = Date.now()): Map<string, RegionIncident> {
    const open = new Map<string, RegionIncident>();
    for (const { incident, seenAtMs } of this.open.values()) {
      if (nowMs - seenAtMs <= RegionIncidentBucket.ttlMs) open.set(incident.region, incident);
    }
    return open;
  }

  private async follow(watch: QueuedIterator<KvEntry>): Promise<void> {
    for await (const entry of watch) {
      const incident = entry.operation === 'PUT' ? parseIncident(entry) : null;
      if (!incident || incident.state !== 'open') {
        this.open.delete(entry.key);
        continue;
      }
      this.open.set(entry.key, { incident, seenAtMs: entry.created.getTime() });
    }
  }
}

/** A value that does not parse (a newer notifier's, a stray write) is ignored, not trusted. */
function parseIncident(entry: KvEntry): RegionIncident | null {
  try {
    const parsed = RegionIncidentSchema.safeParse(entry.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
