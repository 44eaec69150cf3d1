import { z } from 'zod';

/** The platform's version, as in package.json (a unit test keeps them equal). */
export const PLATFORM_VERSION = '0.1.0';

/**
 * What every HTTP probe sends as `User-Agent`, so that a target (or a test) can tell the
 * regions apart: `UptimeProbe/0.1.0 (+region eu)`. A monitor that sets its own User-Agent keeps
 * it, with this appended as one more product token: the region stays visible either way.
 */
export function probeUserAgent(region: string, version: string = PLATFORM_VERSION): string {
  return `UptimeProbe/${version} (+region ${region})`;
}

/** `ok` while the canary answers, `failing` once it has not twice in a row, `off` with no canary. */
export const CANARY_STATES = ['ok', 'failing', 'off'] as const;
export type CanaryState = (typeof CANARY_STATES)[number];

/**
 * Probers announce themselves in the NATS KV bucket `probers`, one key per replica
 * (`<region>.<instanceId>`), rewritten every `refreshMs`; the bucket forgets a key `ttlMs` after
 * its last write, and readers count a replica live only while its last write is younger than
 * that. A prober that stops cleanly deletes its key, so its region goes down at once.
 */
export const ProberPresenceBucket = {
  bucket: 'probers',
  ttlMs: 15_000,
  refreshMs: 5_000,
} as const;

/** KV keys allow `[-/_=.a-zA-Z0-9]`; an instance id (host name...) is cut down to those. */
export function proberPresenceKey(region: string, instanceId: string): string {
  return `${region}.${instanceId.replace(/[^-_=a-zA-Z0-9]/g, '-')}`;
}

export const ProberPresenceSchema = z.object({
  region: z.string().min(1),
  instanceId: z.string().min(1),
  version: z.string(),
  startedAt: z.iso.datetime(),
  canary: z.enum(CANARY_STATES),
  /** The prober's own clock; liveness is judged by the KV entry's (the server's) time instead. */
  lastSeenAt: z.iso.datetime(),
  /**
   * How late it started scheduled checks lately: the worst start lag (start − slot) since its
   * previous announcement. Absent from probers older than it; the gateway defers bulk imports
   * while any live prober is behind.
   */
  lagMs: z.number().int().min(0).optional(),
});
export type ProberPresence = z.output<typeof ProberPresenceSchema>;

export const REGION_STATES = ['healthy', 'degraded', 'cut_off', 'down'] as const;
export type RegionState = (typeof REGION_STATES)[number];

export const REGION_INCIDENT_STATES = ['open', 'resolved'] as const;

/**
 * A region found failing on its own (most monitors checked from it failed while other regions
 * saw them up): while it is open the region's answers are not judged, and nobody is paged for
 * the monitors.
 */
export const RegionIncidentSchema = z.object({
  id: z.uuid(),
  region: z.string(),
  state: z.enum(REGION_INCIDENT_STATES),
  /** The first slot judged cut off. */
  openedAt: z.iso.datetime(),
  resolvedAt: z.iso.datetime().nullable(),
  /** Monitors answered in the region when it was judged, and of them those failing only there. */
  monitors: z.number().int().min(0),
  failingMonitors: z.number().int().min(0),
});
export type RegionIncident = z.output<typeof RegionIncidentSchema>;

/**
 * The notifier keeps each open region incident in the NATS KV bucket `region_incidents` (key:
 * the region), rewritten every few seconds and deleted at resolution, for `GET /regions`. The
 * bucket forgets a key `ttlMs` after its last write, so a stopped notifier leaves nothing stale.
 */
export const RegionIncidentBucket = {
  bucket: 'region_incidents',
  ttlMs: 60_000,
} as const;

/** `GET /regions/incidents`: region incidents opened in [from, to], newest first. */
export const RegionIncidentQuerySchema = z
  .object({
    from: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
    to: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
    limit: z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(500, 'must be at most 500')
      .default(100),
  })
  .strict()
  .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
    path: ['to'],
    message: 'must not be before from',
  });
export type RegionIncidentQuery = z.output<typeof RegionIncidentQuerySchema>;

export const RegionIncidentListSchema = z.object({ items: z.array(RegionIncidentSchema) });
export type RegionIncidentList = z.output<typeof RegionIncidentListSchema>;

/** One region as `GET /regions` answers it. */
export const RegionSchema = z.object({
  name: z.string(),
  /** Live prober replicas of the region. */
  probers: z.number().int().min(0),
  /** The newest announcement of any of its probers, null when none was ever seen. */
  lastSeenAt: z.iso.datetime().nullable(),
  state: z.enum(REGION_STATES),
  /** The region's open region incident, null when none is open. */
  incident: RegionIncidentSchema.nullable(),
  /**
   * How late its live probers start scheduled checks (the worst one's latest announcement), null
   * when none of them says.
   */
  lagMs: z.number().int().min(0).nullable(),
});
export type Region = z.output<typeof RegionSchema>;

export const RegionListSchema = z.object({ items: z.array(RegionSchema) });
export type RegionList = z.output<typeof RegionListSchema>;

/** One announcement as a reader holds it: what the prober said and when the server stored it. */
export interface SeenPresence {
  presence: ProberPresence;
  seenAtMs: number;
}

/**
 * Every region the platform knows (the configured ones, then any other a live prober announces),
 * each `down` with no live prober, `cut_off` while a region incident is open (`incidents`, by
 * region), `degraded` while any live prober's canary fails (its results are `prober_error` and
 * count for nothing), else `healthy`. `lastSeenAtMs` keeps a region's newest announcement after
 * its probers are gone.
 */
export function regionStates(
  configured: readonly string[],
  seen: Iterable<SeenPresence>,
  lastSeenAtMs: ReadonlyMap<string, number>,
  nowMs: number,
  ttlMs: number = ProberPresenceBucket.ttlMs,
  incidents: ReadonlyMap<string, RegionIncident> = new Map(),
): Region[] {
  const live = new Map<string, ProberPresence[]>();
  for (const { presence, seenAtMs } of seen) {
    if (nowMs - seenAtMs > ttlMs) continue;
    live.set(presence.region, [...(live.get(presence.region) ?? []), presence]);
  }
  const names = [...new Set([...configured, ...[...live.keys()].sort()])];
  return names.map((name) => {
    const probers = live.get(name) ?? [];
    const last = lastSeenAtMs.get(name);
    return {
      name,
      probers: probers.length,
      lastSeenAt: last === undefined ? null : new Date(last).toISOString(),
      state: stateOf(probers, incidents.has(name)),
      incident: incidents.get(name) ?? null,
      lagMs: worstLagOf(probers),
    };
  });
}

function worstLagOf(live: readonly ProberPresence[]): number | null {
  const lags = live.flatMap((p) => (p.lagMs === undefined ? [] : [p.lagMs]));
  return lags.length > 0 ? Math.max(...lags) : null;
}

function stateOf(live: readonly ProberPresence[], cutOff: boolean): RegionState {
  if (live.length === 0) return 'down';
  if (cutOff) return 'cut_off';
  return live.some((p) => p.canary === 'failing') ? 'degraded' : 'healthy';
}
