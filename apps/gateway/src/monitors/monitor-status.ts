import { Inject, Injectable, Logger } from '@nestjs/common';
import { MetricsSubjects, type Monitor, type MonitorLatest } from '@uptime/contracts';
import { METRICS_CLIENT, type MetricsClient } from '../metrics-client';

/**
 * Fills a monitor's read-only `status` and `lastCheckedAt` from its latest stored check. The
 * registry does not take a write per check; metrics already has the answer. When metrics does
 * not answer, the monitor is returned as the registry has it rather than failing the request.
 */
@Injectable()
export class MonitorStatus {
  private readonly logger = new Logger(MonitorStatus.name);

  constructor(@Inject(METRICS_CLIENT) private readonly metrics: MetricsClient) {}

  async withStatus<T extends Monitor>(monitors: T[]): Promise<T[]> {
    if (monitors.length === 0) return monitors;
    let latest: MonitorLatest[];
    try {
      ({ items: latest } = await this.metrics.request(
        MetricsSubjects.latest,
        { monitorIds: monitors.map((m) => m.id) },
        2000,
      ));
    } catch (err) {
      this.logger.debug(`latest status unavailable: ${String(err)}`);
      return monitors;
    }
    const byId = new Map(latest.map((l) => [l.monitorId, l]));
    return monitors.map((m) => {
      const l = byId.get(m.id);
      if (!l?.outcome || m.paused) return m;
      return { ...m, status: l.outcome, lastCheckedAt: l.lastCheckedAt };
    });
  }
}
