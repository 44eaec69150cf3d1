import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import {
  BadgeUptimeQuerySchema,
  MetricsSubjects,
  RegistryStatusPageSubjects,
} from '@uptime/contracts';
import type { Response } from 'express';
import type { z } from 'zod';
import { RememberedAnswers } from '../access/remembered-answers';
import { ApiQueryFrom } from '../http/openapi';
import { IdParam, NoQuery, ZodPipe } from '../http/validation';
import { METRICS_CLIENT, type MetricsClient } from '../metrics-client';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';
import { uptimeOverDays } from '../status-pages/daily-uptime';
import { type BadgeColour, badgeSvg } from './badge-svg';

const CACHE_SECONDS = 60;
const NOT_FOUND = { description: 'The monitor is on no public status page (or does not exist).' };
const SVG = { description: 'image/svg+xml' };

/**
 * SVG badges of monitors shown on a public status page (no login; any other monitor is a 404,
 * the same as an unknown id). Each answer is kept 60 s here and may be cached as long downstream.
 */
@ApiTags('status-pages')
@Controller('badges/:id')
export class BadgesController {
  private readonly drawn = new RememberedAnswers<string>({
    ttlMs: CACHE_SECONDS * 1000,
    maxRemembered: 10_000,
    now: Date.now,
  });

  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(METRICS_CLIENT) private readonly metrics: MetricsClient,
  ) {}

  @Get('status.svg')
  @ApiOperation({ summary: 'Badge: the monitor’s current status' })
  @ApiProduces('image/svg+xml')
  @ApiOkResponse(SVG)
  @ApiNotFoundResponse(NOT_FOUND)
  async status(
    @Param('id', IdParam) id: string,
    @Query(NoQuery) _query: object,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    return this.answer(res, `status/${id}`, async () => {
      await this.shown(id);
      const { items } = await this.metrics.request(MetricsSubjects.latest, { monitorIds: [id] });
      const outcome = items[0]?.outcome ?? null;
      const colour: BadgeColour =
        outcome === 'up'
          ? 'green'
          : outcome === 'degraded'
            ? 'yellow'
            : outcome === 'down'
              ? 'red'
              : 'grey';
      return badgeSvg('status', outcome ?? 'unknown', colour);
    });
  }

  @Get('uptime.svg')
  @ApiOperation({ summary: 'Badge: the monitor’s uptime over a window (24h, 7d, 30d or 90d)' })
  @ApiQueryFrom(BadgeUptimeQuerySchema)
  @ApiProduces('image/svg+xml')
  @ApiOkResponse(SVG)
  @ApiNotFoundResponse(NOT_FOUND)
  async uptime(
    @Param('id', IdParam) id: string,
    @Query(new ZodPipe(BadgeUptimeQuerySchema)) query: z.output<typeof BadgeUptimeQuerySchema>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    return this.answer(res, `uptime/${query.window}/${id}`, async () => {
      await this.shown(id);
      const days = { '24h': 1, '7d': 7, '30d': 30, '90d': 90 }[query.window];
      const percent =
        query.window === '24h'
          ? ((await this.metrics.request(MetricsSubjects.latest, { monitorIds: [id] })).items[0]
              ?.uptime24hPercent ?? null)
          : await this.uptimeOverDays(id, days);
      const label = `uptime ${query.window}`;
      if (percent === null) return badgeSvg(label, 'no data', 'grey');
      const colour: BadgeColour = percent >= 99.9 ? 'green' : percent >= 99 ? 'yellow' : 'red';
      return badgeSvg(label, `${(Math.floor(percent * 100) / 100).toFixed(2)}%`, colour);
    });
  }

  @Get('response-time.svg')
  @ApiOperation({ summary: 'Badge: the monitor’s mean response time over 24 h' })
  @ApiProduces('image/svg+xml')
  @ApiOkResponse(SVG)
  @ApiNotFoundResponse(NOT_FOUND)
  async responseTime(
    @Param('id', IdParam) id: string,
    @Query(NoQuery) _query: object,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    return this.answer(res, `latency/${id}`, async () => {
      await this.shown(id);
      const stats = await this.metrics.request(MetricsSubjects.stats, {
        monitorId: id,
        window: '24h',
      });
      if (stats.avgLatencyMs === null) return badgeSvg('response time', 'no data', 'grey');
      const ms = Math.round(stats.avgLatencyMs);
      const colour: BadgeColour = ms < 500 ? 'green' : ms < 2000 ? 'yellow' : 'red';
      return badgeSvg('response time', `${ms} ms`, colour);
    });
  }

  /** Throws the registry's 404 unless the monitor is on a public page. */
  private async shown(id: string): Promise<void> {
    await this.registry.request(RegistryStatusPageSubjects.publicMonitor, { monitorId: id });
  }

  private async uptimeOverDays(id: string, days: number): Promise<number | null> {
    const { items } = await this.metrics.request(MetricsSubjects.dailyUptime, {
      monitorIds: [id],
      days,
    });
    const { ratio } = uptimeOverDays(items[0]?.days ?? []);
    return ratio === null ? null : ratio * 100;
  }

  private async answer(res: Response, key: string, draw: () => Promise<string>): Promise<string> {
    const svg = await this.drawn.recall(key, draw);
    res.setHeader('Content-Type', 'image/svg+xml; charset=utf-8');
    res.setHeader('Cache-Control', `public, max-age=${CACHE_SECONDS}`);
    return svg;
  }
}
