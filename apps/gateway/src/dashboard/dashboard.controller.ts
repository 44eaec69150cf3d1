import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  MAX_LATEST_IDS,
  MetricsSubjects,
  MONITOR_STATUSES,
  type MonitorLatest,
  MonitorLatestSchema,
  type MonitorSummary,
  MonitorSummarySchema,
  RegistrySubjects,
  type SlotVerdict,
} from '@uptime/contracts';
import { z } from 'zod';
import { Allow, Authenticated } from '../access/access-rule';
import { CurrentScope } from '../access/current-scope';
import type { TeamScope } from '../access/caller';
import { openApiResponse } from '../http/openapi';
import { METRICS_CLIENT, type MetricsClient } from '../metrics-client';
import { MonitorStatus, statusOf } from '../monitors/monitor-status';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';

/** Summaries asked per page; the registry may answer fewer, to keep the page within a message. */
const SUMMARY_PAGE = 5000;

/** A monitor on the dashboard: its summary and its latest check. */
const DashboardEntrySchema = MonitorSummarySchema.extend({
  status: z.enum(MONITOR_STATUSES),
  ...MonitorLatestSchema.pick({
    lastCheckedAt: true,
    latencyMs: true,
    uptime24hPercent: true,
    certificateExpiresAt: true,
    missed24h: true,
  }).shape,
});
type DashboardEntry = z.output<typeof DashboardEntrySchema>;

@ApiTags('dashboard')
@Authenticated()
@Controller('dashboard')
export class DashboardController {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(METRICS_CLIENT) private readonly metrics: MetricsClient,
    private readonly status: MonitorStatus,
  ) {}

  @Allow('viewer')
  @Get()
  @ApiOperation({
    summary: 'Every monitor of yours with its latest status and 24 h uptime',
    description:
      '`missed24h`: slots of the last 24 h the platform recorded as not checked (overload; never part of the uptime); `GET /monitors/{id}/coverage` gives them by reason.',
  })
  @ApiOkResponse({
    schema: openApiResponse(z.object({ items: z.array(DashboardEntrySchema) })),
  })
  async get(@CurrentScope() scope: TeamScope): Promise<{ items: DashboardEntry[] }> {
    const items: DashboardEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.registry.request(RegistrySubjects.listMonitorSummaries, {
        ownerId: scope.teamId,
        limit: SUMMARY_PAGE,
        cursor,
      });
      const ids = page.items.map((m) => m.id);
      // Monitors judged per slot (several regions) take the notifier's verdict as their status.
      const [latest, verdicts] = await Promise.all([
        this.latestOf(ids),
        this.status.verdictsOf(scope.teamId, ids),
      ]);
      for (const m of page.items) items.push(entryOf(m, latest.get(m.id), verdicts.get(m.id)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { items };
  }

  /**
   * Latest checks in questions of at most MAX_LATEST_IDS monitors, asked together: each answer
   * stays far below one NATS message however many monitors the caller has.
   */
  private async latestOf(monitorIds: string[]): Promise<Map<string, MonitorLatest>> {
    const chunks: string[][] = [];
    for (let i = 0; i < monitorIds.length; i += MAX_LATEST_IDS)
      chunks.push(monitorIds.slice(i, i + MAX_LATEST_IDS));
    const answers = await Promise.all(
      chunks.map((ids) =>
        this.metrics.request(MetricsSubjects.latest, {
          monitorIds: ids,
        }),
      ),
    );
    return new Map(answers.flatMap((a) => a.items).map((l) => [l.monitorId, l]));
  }
}

function entryOf(
  m: MonitorSummary,
  latest: MonitorLatest | undefined,
  verdict: SlotVerdict | undefined,
): DashboardEntry {
  return {
    id: m.id,
    name: m.name,
    url: m.url,
    paused: m.paused,
    status: m.paused ? 'paused' : statusOf(latest, verdict),
    lastCheckedAt: latest?.lastCheckedAt ?? null,
    latencyMs: latest?.latencyMs ?? null,
    uptime24hPercent: latest?.uptime24hPercent ?? null,
    certificateExpiresAt: latest?.certificateExpiresAt ?? null,
    missed24h: latest?.missed24h ?? 0,
  };
}
