import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Logger,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { RateLimitedLog } from '@uptime/health';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import {
  type CheckResult,
  CheckResultSchema,
  type ChecksQuery,
  ChecksQuerySchema,
  type Coverage,
  type CoverageQuery,
  CoverageQuerySchema,
  CoverageSchema,
  type Incident,
  MetricsSubjects,
  NotifierSubjects,
  type Monitor,
  type MonitorStats,
  MonitorStatsSchema,
  type Page,
  pageSchema,
  RegistrySubjects,
  type ResponseTimeSeries,
  ResponseTimeSeriesSchema,
  ResponseTimesQuerySchema,
  STATS_WINDOW_MS,
  StatsQuerySchema,
} from '@uptime/contracts';
import type { Response } from 'express';
import type { z } from 'zod';
import { Allow, Authenticated } from '../access/access-rule';
import { CurrentScope } from '../access/current-scope';
import { callerIdOf, type TeamScope } from '../access/caller';
import { ApiQueryFrom, openApiResponse } from '../http/openapi';
import { IdParam, ZodPipe } from '../http/validation';
import { METRICS_CLIENT, type MetricsClient } from '../metrics-client';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';
import { OnDemandCheck } from './on-demand-check';
import { OnDemandCheckLimit, OnDemandCheckRefused } from './on-demand-limit';
import { MonitorOwnership } from '../monitors/monitor-ownership';

@ApiTags('checks')
@Authenticated()
@ApiNotFoundResponse({ description: 'No monitor of yours has this id.' })
@Controller('monitors/:id')
export class ChecksController {
  private readonly coverageLog = new RateLimitedLog(new Logger(ChecksController.name));

  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(METRICS_CLIENT) private readonly metrics: MetricsClient,
    @Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient,
    private readonly onDemand: OnDemandCheck,
    private readonly onDemandLimit: OnDemandCheckLimit,
    private readonly ownership: MonitorOwnership,
  ) {}

  @Allow('editor')
  @Post('check')
  @HttpCode(200)
  @ApiOperation({
    summary: "Run one check now on a prober; answers within the monitor's timeout + 2 s",
    description:
      'A paused monitor can be checked too (to try a change before resuming it). Limited per user and per monitor (ON_DEMAND_CHECKS_PER_MINUTE_PER_USER, ON_DEMAND_CHECKS_PER_MINUTE_PER_MONITOR, per gateway replica).',
  })
  @ApiOkResponse({ schema: openApiResponse(CheckResultSchema) })
  @ApiTooManyRequestsResponse({
    description: 'Rate limit reached; `Retry-After` says in how many seconds to try again.',
  })
  async checkNow(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CheckResult> {
    // Ownership first: another user's monitor is a 404 and never spends anyone's allowance.
    const monitor = await this.owned(scope, id);
    try {
      this.onDemandLimit.admit(callerIdOf(scope.caller), monitor.id);
    } catch (err) {
      if (err instanceof OnDemandCheckRefused)
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
    return this.onDemand.run(monitor);
  }

  @Allow('viewer')
  @Get('checks')
  @ApiOperation({ summary: 'Check history, newest first by default' })
  @ApiQueryFrom(ChecksQuerySchema)
  @ApiOkResponse({ schema: openApiResponse(pageSchema(CheckResultSchema)) })
  async list(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Query(new ZodPipe(ChecksQuerySchema)) query: ChecksQuery,
  ): Promise<Page<CheckResult>> {
    return this.ownedThen(scope, id, () =>
      this.metrics.request(MetricsSubjects.listChecks, {
        monitorId: id,
        ...query,
      }),
    );
  }

  @Allow('editor')
  @Delete('checks')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete every stored check of the monitor (and its rollups)' })
  @ApiNoContentResponse()
  async clear(@CurrentScope() scope: TeamScope, @Param('id', IdParam) id: string): Promise<void> {
    await this.owned(scope, id);
    await this.metrics.request(MetricsSubjects.deleteChecks, { monitorId: id }, 30_000);
  }

  @Allow('viewer')
  @Get('stats')
  @ApiOperation({
    summary:
      'Uptime, latency percentiles and the ongoing incident over a window (1h to 30d); `region` limits them to one region',
  })
  @ApiQueryFrom(StatsQuerySchema)
  @ApiOkResponse({ schema: openApiResponse(MonitorStatsSchema) })
  async stats(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Query(new ZodPipe(StatsQuerySchema)) query: z.output<typeof StatsQuerySchema>,
  ): Promise<MonitorStats> {
    return this.ownedThen(scope, id, async () => {
      const now = Date.now();
      const [stats, open, coverage] = await Promise.all([
        this.metrics.request(MetricsSubjects.stats, { monitorId: id, ...query }),
        this.notifier
          .request(NotifierSubjects.listIncidents, {
            ownerId: scope.teamId,
            monitorId: id,
            state: 'open',
            limit: 1,
          })
          .catch(() => ({ items: [] as Incident[] })),
        // Shown beside uptime, never part of it; a stats answer does not fail for its lack.
        this.coverageOf(scope, id, now - STATS_WINDOW_MS[query.window], now).catch(
          (err: unknown) => {
            this.coverageLog.warn(`stats of ${id} without coverage: ${String(err)}`);
            return null;
          },
        ),
      ]);
      return { ...stats, ongoingIncident: open.items[0] ?? null, coverage };
    });
  }

  @Allow('viewer')
  @Get('coverage')
  @ApiOperation({
    summary: 'Slots expected, run, late and missed (by reason) between from and to',
    description:
      "`expected` counts the monitor's slots at its current interval and regions since it exists (up to now); `run` those checked and stored, `late` of them those started over a second after their slot; `missed` those the platform recorded as not checked, by reason (`late`: it fell a whole interval behind, `no_prober`: the same while the region had no live prober, `dropped`: a prober discarded the job as stale, `unpublished`: the work queue did not take its job, NATS being away, before the next slot was due). Missed slots count in no uptime or downtime. At most 31 days per question.",
  })
  @ApiQueryFrom(CoverageQuerySchema)
  @ApiOkResponse({ schema: openApiResponse(CoverageSchema) })
  async coverage(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Query(new ZodPipe(CoverageQuerySchema)) query: CoverageQuery,
  ): Promise<Coverage> {
    return this.coverageOf(scope, id, Date.parse(query.from), Date.parse(query.to));
  }

  /** Needs the monitor itself (interval, regions, creation), so it asks the registry: owned. */
  private async coverageOf(
    scope: TeamScope,
    id: string,
    fromMs: number,
    toMs: number,
  ): Promise<Coverage> {
    const monitor = await this.owned(scope, id);
    return this.metrics.request(MetricsSubjects.coverage, {
      monitorId: monitor.id,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      intervalSeconds: monitor.intervalSeconds,
      regions: monitor.regions,
      since: monitor.createdAt,
    });
  }

  @Allow('viewer')
  @Get('response-times')
  @ApiOperation({ summary: 'Response times in buckets (1m to 1d) between from and to' })
  @ApiQueryFrom(ResponseTimesQuerySchema)
  @ApiOkResponse({ schema: openApiResponse(ResponseTimeSeriesSchema) })
  async responseTimes(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Query(new ZodPipe(ResponseTimesQuerySchema)) query: z.output<typeof ResponseTimesQuerySchema>,
  ): Promise<ResponseTimeSeries> {
    return this.ownedThen(scope, id, () =>
      this.metrics.request(MetricsSubjects.responseTimes, {
        monitorId: id,
        ...query,
      }),
    );
  }

  /**
   * A read asked together with the ownership check instead of after it: one round trip less on
   * every chart and stats request (none at all once the owner is remembered). Ownership still
   * decides: another team's monitor answers 404 (never the read's answer or error), and the
   * read's answer is dropped unseen.
   */
  private async ownedThen<T>(scope: TeamScope, id: string, read: () => Promise<T>): Promise<T> {
    const answer = read();
    // Settled here so that a read failing while ownership is pending is not an unhandled
    // rejection; it is rethrown below once ownership holds.
    answer.catch(() => undefined);
    await this.ownership.assertOwned(scope.teamId, id);
    return answer;
  }

  /**
   * Ownership first, from the registry itself (it also gives the monitor): another user's
   * monitor answers 404 before anything is done to it.
   */
  private owned(scope: TeamScope, id: string): Promise<Monitor> {
    return this.registry.request(RegistrySubjects.getMonitor, {
      ownerId: scope.teamId,
      monitorId: id,
    });
  }
}
