import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NATS_CONNECTION, openRegionIncidents } from '@uptime/bus';
import { TELEMETRY } from '@uptime/health';
import { UnitOfWork } from '@uptime/persistence';
import type { KV, NatsConnection } from 'nats';
import { Gauge, type Registry } from 'prom-client';
import { AlertDeliverer } from '../alerts/alert-deliverer';
import { AlertOutbox } from '../alerts/alert-outbox';
import { DEFAULT_REGION_INCIDENTS, NOTIFIER_CONFIG, type NotifierConfig } from '../config';
import type { HeldSlot } from './alert-state';
import { IncidentClock } from './incident-clock';
import {
  type RegionHealthRules,
  type SlotObservation,
  hasRecovered,
  judgeRegion,
} from './region-health';
import { type RegionIncidentEntity, toRegionIncident } from './region-incident.entity';
import { RegionIncidentRepository } from './region-incident.repository';
import { SLOT_MARGIN_MS } from './slot-grouping';

const TICK_MS = 5_000;
/**
 * How long after a slot its observation is in (a default timeout of at most 10 s, then the slot's
 * margin): a window is read for resolving only then. A slower check's slot may still be missing;
 * if that resolves an incident early, the region's next suspect slot is held and judged again,
 * so it reopens without paging anybody (the operator hears of it twice).
 */
const SETTLE_MS = 10_000 + SLOT_MARGIN_MS;

/**
 * Region incidents: records what each decided slot saw of its regions, judges a region cut off
 * when a held slot is released (the evidence after it is in by then), and resolves the incident
 * once a full window shows the region agreeing with the others again. Opening is one insert
 * guarded by a unique index, resolving one locked row: replicas and restarts open and resolve
 * each incident once. The regions cut off are cached for the result consumer, refreshed each
 * pass; a held slot's release reads them from the database.
 */
@Injectable()
export class RegionWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RegionWatch.name);
  private readonly openGauge: Gauge;
  private readonly clock = new IncidentClock('region', TICK_MS, () => this.tick(), this.logger);
  private cut: string[] = [];
  /** Enough monitors and teams take part for a judgement to cut a region: slots are held. */
  private judging = false;
  private bucket?: Promise<KV>;
  /** Regions whose key the last publication wrote, to delete once their incident resolves. */
  private published = new Set<string>();

  constructor(
    private readonly work: UnitOfWork,
    private readonly regions: RegionIncidentRepository,
    private readonly outbox: AlertOutbox,
    private readonly deliverer: AlertDeliverer,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    this.openGauge = new Gauge({
      name: 'uptime_notifier_region_incidents_open',
      help: 'Open region incidents (a region failing on its own; its answers are not judged), by region',
      labelNames: ['region'],
      registers: [registry],
    });
  }

  /** The judgement's rules, or null when region incidents are off. */
  get rules(): RegionHealthRules | null {
    const rules = this.config.regionIncidents ?? DEFAULT_REGION_INCIDENTS;
    return rules.windowMs > 0 ? rules : null;
  }

  /**
   * How long a region-suspect slot that would page is held (the window), or 0: region incidents
   * off, or too few monitors or teams observed lately for any judgement to cut a region (a small
   * platform, one team alone) — holding would only delay its alerts.
   */
  holdMs(): number {
    const rules = this.rules;
    return rules && this.judging ? rules.windowMs : 0;
  }

  /** Regions with an open region incident, as of the last pass or judgement. */
  cutRegions(): readonly string[] {
    return this.cut;
  }

  onApplicationBootstrap(): void {
    // At once too: after a restart, slots are held again and the open incidents published.
    if (this.rules) this.clock.start({ now: true });
  }

  onApplicationShutdown(): Promise<void> {
    return this.clock.stop();
  }

  /** In the deciding transaction: the slot's evidence, written once. */
  observe(observation: SlotObservation): Promise<void> {
    return this.regions.observe(observation);
  }

  /**
   * In the releasing transaction, before held slots are decided: judges each region that failed
   * alone in them over the window after its slot, opens its incident if it is cut off, and
   * answers the regions cut off now.
   */
  async judgeHeld(held: HeldSlot[], now: Date): Promise<string[]> {
    const rules = this.rules;
    if (!rules || held.length === 0) return [...this.cut];
    const open = new Set((await this.regions.listOpen()).map((i) => i.region));
    for (const slot of held) {
      const from = new Date(slot.scheduledAt);
      const failing = slot.answers.filter(
        (a) => a.errorKind !== 'prober_error' && a.outcome !== 'up',
      );
      for (const { region } of failing) {
        if (open.has(region)) continue;
        const observations = await this.regions.observationsBetween(
          from,
          new Date(from.getTime() + rules.windowMs),
        );
        const judgement = judgeRegion(region, observations, from, rules);
        if (!judgement.cut) continue;
        const incident = await this.regions.openIfNone(region, from, judgement);
        open.add(region);
        if (incident) await this.announce(incident, 'partial', now);
      }
    }
    this.cut = [...open].sort();
    return this.cut;
  }

  /** Resolves the incidents whose region agreed again for a full window; prunes the evidence. */
  async tick(now = new Date()): Promise<number> {
    const rules = this.rules;
    if (!rules) return 0;
    const from = new Date(now.getTime() - SETTLE_MS - rules.windowMs);
    const open = await this.work.withOwnIdentityMap(() => this.regions.listOpen());
    let resolved = 0;
    for (const { id, region, startedAt } of open) {
      // A full window after it opened, not one that began before it.
      if (from.getTime() <= startedAt.getTime()) continue;
      resolved += await this.work.transaction(async () => {
        const observations = await this.regions.observationsBetween(
          from,
          new Date(from.getTime() + rules.windowMs),
        );
        if (!hasRecovered(region, observations, from, rules)) return 0;
        const incident = await this.regions.lockOpen(id);
        if (!incident) return 0;
        incident.state = 'resolved';
        incident.resolvedAt = now;
        await this.announce(incident, 'up', now);
        return 1;
      });
    }
    const { still, activity } = await this.work.withOwnIdentityMap(async () => {
      await this.regions.pruneObservations(new Date(from.getTime() - 3 * rules.windowMs));
      return {
        still: await this.regions.listOpen(),
        activity: await this.regions.activitySince(from),
      };
    });
    this.judging = activity.monitors >= rules.minMonitors && activity.owners >= rules.minOwners;
    this.cut = still.map((i) => i.region);
    this.openGauge.reset();
    for (const region of this.cut) this.openGauge.set({ region }, 1);
    if (resolved > 0) this.deliverer.kick();
    await this.publish(still).catch((err: unknown) =>
      this.logger.warn(`publishing region incidents failed: ${String(err)}`),
    );
    return resolved;
  }

  /**
   * The open incidents into the `region_incidents` KV bucket, for `GET /regions`: every pass
   * rewrites them (the bucket forgets keys a minute after their last write, so a stopped
   * notifier leaves nothing stale) and deletes the keys of those resolved. Replicas write the
   * same values.
   */
  private async publish(open: RegionIncidentEntity[]): Promise<void> {
    this.bucket ??= openRegionIncidents(this.nc);
    const kv = await this.bucket.catch((err: unknown) => {
      this.bucket = undefined;
      throw err;
    });
    const keys = new Set<string>();
    for (const incident of open) {
      const key = regionKey(incident.region);
      keys.add(key);
      await kv.put(key, JSON.stringify(toRegionIncident(incident)));
    }
    const gone = new Set([...this.published, ...(await keysOf(kv))]);
    for (const key of gone) if (!keys.has(key)) await kv.delete(key);
    this.published = keys;
  }

  private async announce(
    incident: RegionIncidentEntity,
    kind: 'partial' | 'up',
    now: Date,
  ): Promise<void> {
    const what =
      kind === 'partial'
        ? `opened: ${incident.suspects} of ${incident.monitors} monitors failed only there; its answers are not judged until it agrees again`
        : `resolved after ${Math.round((now.getTime() - incident.startedAt.getTime()) / 1000)} s`;
    this.logger.warn(`region incident ${incident.id} in region ${incident.region} ${what}`);
    if (kind === 'partial') this.openGauge.set({ region: incident.region }, 1);
    const channelId = this.config.operatorChannelId;
    if (!channelId) return;
    const queued = await this.outbox.queueForRegion(channelId, incident, kind);
    // Delivered after the commit: the slot clock and the pass below kick the deliverer then.
    if (!queued) this.logger.warn(`OPERATOR_CHANNEL_ID ${channelId} names no channel`);
  }
}

/** KV keys allow `[-/_=.a-zA-Z0-9]`; region names are within them, anything else is cut down. */
function regionKey(region: string): string {
  return region.replace(/[^-_=a-zA-Z0-9]/g, '-');
}

async function keysOf(kv: KV): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of await kv.keys()) keys.push(key);
  return keys;
}
