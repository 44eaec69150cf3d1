import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { TELEMETRY } from '@uptime/health';
import { UnitOfWork } from '@uptime/persistence';
import { Gauge, type Registry } from 'prom-client';
import { AlertDeliverer } from '../alerts/alert-deliverer';
import { AlertOutbox } from '../alerts/alert-outbox';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config';
import type { HeldSlot } from './alert-state';
import {
  type RegionHealthRules,
  type SlotObservation,
  hasRecovered,
  judgeRegion,
} from './region-health';
import type { RegionIncidentEntity } from './region-incident.entity';
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
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private cut: string[] = [];

  constructor(
    private readonly work: UnitOfWork,
    private readonly regions: RegionIncidentRepository,
    private readonly outbox: AlertOutbox,
    private readonly deliverer: AlertDeliverer,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
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
    const rules = this.config.regionIncidents;
    return rules && rules.windowMs > 0 ? rules : null;
  }

  /** Regions with an open region incident, as of the last pass or judgement. */
  cutRegions(): readonly string[] {
    return this.cut;
  }

  onApplicationBootstrap(): void {
    if (!this.rules) return;
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .catch((err: unknown) => this.logger.warn(`region pass failed: ${String(err)}`))
        .finally(() => (this.running = undefined));
    }, TICK_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
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
    const still = await this.work.withOwnIdentityMap(async () => {
      await this.regions.pruneObservations(new Date(from.getTime() - 3 * rules.windowMs));
      return this.regions.listOpen();
    });
    this.cut = still.map((i) => i.region);
    this.openGauge.reset();
    for (const region of this.cut) this.openGauge.set({ region }, 1);
    if (resolved > 0) this.deliverer.kick();
    return resolved;
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
