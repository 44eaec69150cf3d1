import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  MAX_LATEST_IDS,
  MetricsSubjects,
  type Monitor,
  type MonitorLatest,
  type MonitorStatus as Status,
  NotifierSubjects,
  type SlotVerdict,
} from '@uptime/contracts';
import { METRICS_CLIENT, type MetricsClient } from '../metrics-client';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';

/**
 * Fills a monitor's read-only `status` and `lastCheckedAt` from its latest stored check. The
 * registry does not take a write per check; metrics already has the answer. A monitor checked
 * from several regions takes its status from the notifier's verdict on its latest decided slot
 * instead (`partial` when fewer regions than its quorum failed), so the status follows the same
 * quorum rule as its alerts. When metrics or the notifier does not answer, the monitor is
 * returned with what the other (or the registry) has rather than failing the request.
 */
@Injectable()
export class MonitorStatus {
  private readonly logger = new Logger(MonitorStatus.name);

  constructor(
    @Inject(METRICS_CLIENT) private readonly metrics: MetricsClient,
    @Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient,
  ) {}

  async withStatus<T extends Monitor>(monitors: T[]): Promise<T[]> {
    if (monitors.length === 0) return monitors;
    const ids = monitors.map((m) => m.id);
    const grouped = monitors.filter((m) => m.regions.length >= 2 || m.regions.length === 0);
    const [latest, verdicts] = await Promise.all([
      this.metrics
        .request(MetricsSubjects.latest, { monitorIds: ids }, 2000)
        .then((a) => a.items)
        .catch((err: unknown) => {
          this.logger.debug(`latest status unavailable: ${String(err)}`);
          return [] as MonitorLatest[];
        }),
      grouped.length === 0
        ? new Map<string, SlotVerdict>()
        : this.verdictsOf(
            monitors[0]!.ownerId,
            grouped.map((m) => m.id),
          ),
    ]);
    const byId = new Map(latest.map((l) => [l.monitorId, l]));
    return monitors.map((m) => {
      const l = byId.get(m.id);
      const verdict = verdicts.get(m.id);
      if (m.paused || (!l?.outcome && !verdict)) return m;
      // A verdict may be decided before metrics has stored its checks (it inserts every second).
      return {
        ...m,
        status: statusOf(l, verdict),
        lastCheckedAt: l?.lastCheckedAt ?? m.lastCheckedAt,
      };
    });
  }

  /** The notifier's latest slot verdicts of an owner's monitors; none when it does not answer. */
  async verdictsOf(ownerId: string, monitorIds: string[]): Promise<Map<string, SlotVerdict>> {
    const chunks: string[][] = [];
    for (let i = 0; i < monitorIds.length; i += MAX_LATEST_IDS)
      chunks.push(monitorIds.slice(i, i + MAX_LATEST_IDS));
    try {
      const answers = await Promise.all(
        chunks.map((ids) =>
          this.notifier.request(NotifierSubjects.slotVerdicts, { ownerId, monitorIds: ids }, 2000),
        ),
      );
      return new Map(answers.flatMap((a) => a.items).map((v) => [v.monitorId, v]));
    } catch (err) {
      this.logger.debug(`slot verdicts unavailable: ${String(err)}`);
      return new Map();
    }
  }
}

/** The verdict of a monitor judged per slot, else its newest check's outcome. */
export function statusOf(
  latest: MonitorLatest | undefined,
  verdict: SlotVerdict | undefined,
): Status {
  if (verdict) return verdict.status;
  return latest?.outcome ?? 'pending';
}
