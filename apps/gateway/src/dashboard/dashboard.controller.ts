import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  MetricsSubjects,
  type MonitorLatest,
  type MonitorSummary,
  type Page,
  RegistrySubjects,
} from '@uptime/contracts';
import { Authenticated, CurrentCaller } from '../auth/current-caller';
import type { Caller } from '../auth/jwt.strategy';
import { METRICS_CLIENT, type MetricsClient } from '../metrics-client';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';

export interface DashboardEntry {
  id: string;
  name: string;
  url: string;
  paused: boolean;
  status: string;
  lastCheckedAt: string | null;
  latencyMs: number | null;
  uptime24hPercent: number | null;
}

@ApiTags('dashboard')
@Authenticated()
@Controller('dashboard')
export class DashboardController {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(METRICS_CLIENT) private readonly metrics: MetricsClient,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every monitor of yours with its latest status and 24 h uptime' })
  @ApiOkResponse({
    description:
      '{ items: [{ id, name, url, paused, status, lastCheckedAt, latencyMs, uptime24hPercent }] }',
  })
  async get(@CurrentCaller() caller: Caller): Promise<{ items: DashboardEntry[] }> {
    const monitors = await this.allMonitors(caller.userId);
    const { items: latest } = await this.metrics.request<{ items: MonitorLatest[] }>(
      MetricsSubjects.latest,
      {
        monitorIds: monitors.map((m) => m.id),
      },
    );
    const byId = new Map(latest.map((l) => [l.monitorId, l]));
    return {
      items: monitors.map((m) => {
        const l = byId.get(m.id);
        return {
          id: m.id,
          name: m.name,
          url: m.url,
          paused: m.paused,
          status: m.paused ? 'paused' : (l?.outcome ?? 'pending'),
          lastCheckedAt: l?.lastCheckedAt ?? null,
          latencyMs: l?.latencyMs ?? null,
          uptime24hPercent: l?.uptime24hPercent ?? null,
        };
      }),
    };
  }

  /** Summaries, not full monitors: the dashboard shows four fields, in pages of up to 5,000. */
  private async allMonitors(ownerId: string): Promise<MonitorSummary[]> {
    const monitors: MonitorSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.registry.request<Page<MonitorSummary>>(
        RegistrySubjects.listMonitorSummaries,
        { ownerId, limit: 5000, cursor },
      );
      monitors.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return monitors;
  }
}
