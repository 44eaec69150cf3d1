import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import {
  type CheckResult,
  type ChecksCsvQuery,
  ChecksCsvQuerySchema,
  MAX_CSV_ROWS,
  MetricsSubjects,
  type MonitorReport,
  MonitorReportSchema,
  NotifierSubjects,
  type ReportQuery,
  ReportQuerySchema,
  RegistrySubjects,
  REPORT_DEFAULT_DAYS,
} from '@uptime/contracts';
import type { Response } from 'express';
import { Allow, Authenticated } from '../access/access-rule';
import type { TeamScope } from '../access/caller';
import { CurrentScope } from '../access/current-scope';
import { ApiQueryFrom, openApiResponse } from '../http/openapi';
import { IdParam, ZodPipe } from '../http/validation';
import { METRICS_CLIENT, type MetricsClient } from '../metrics-client';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';
import { csvLine } from './csv';

const DAY_MS = 86_400_000;
/** Rows asked of the metrics service per page while a CSV download is written. */
const CSV_PAGE = 500;

const REPORT_COLUMNS = [
  'monitor_id',
  'name',
  'from',
  'to',
  'checks',
  'down_checks',
  'degraded_checks',
  'uptime_percent',
  'avg_latency_ms',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'incidents',
  'downtime_seconds',
  'mttr_seconds',
  'longest_incident_seconds',
  'resolution',
] as const;

const CHECK_COLUMNS = [
  'id',
  'scheduled_at',
  'started_at',
  'region',
  'outcome',
  'error_kind',
  'http_status',
  'latency_ms',
  'dns_ms',
  'connect_ms',
  'tls_ms',
  'first_byte_ms',
  'transfer_ms',
  'size_bytes',
  'on_demand',
  'in_maintenance',
  'message',
] as const;

/**
 * SLA reports and check downloads of one monitor of the team (`X-Team-Id`, else personal):
 * viewers may read them. Figures come from the rollups (checks) and the notifier (incidents).
 */
@ApiTags('reports')
@Authenticated()
@ApiNotFoundResponse({ description: 'The team has no monitor with this id.' })
@Controller('monitors/:id')
export class ReportsController {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(METRICS_CLIENT) private readonly metrics: MetricsClient,
    @Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient,
  ) {}

  @Allow('viewer')
  @Get('report')
  @ApiOperation({
    summary:
      'SLA report over any range within five years: uptime %, downtime, incidents, MTTR, latency percentiles (JSON or CSV)',
    description:
      'Uptime counts `degraded` checks as up and leaves out prober errors and maintenance. Downtime and MTTR come from `down` incidents: downtime is their overlap with the range, MTTR the mean duration of those resolved within it. Ranges within the last year and up to 90 days long read the 1-minute rollup, others the hourly one (`checks.resolution`).',
  })
  @ApiQueryFrom(ReportQuerySchema)
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ schema: openApiResponse(MonitorReportSchema) })
  async report(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Query(new ZodPipe(ReportQuerySchema)) query: ReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MonitorReport | string> {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from
      ? new Date(query.from)
      : new Date(to.getTime() - REPORT_DEFAULT_DAYS * DAY_MS);
    const range = { from: from.toISOString(), to: to.toISOString() };
    const monitor = await this.registry.request(RegistrySubjects.getMonitor, {
      ownerId: scope.teamId,
      monitorId: id,
    });
    const [checks, incidents] = await Promise.all([
      this.metrics.request(MetricsSubjects.checkTotals, { monitorId: id, ...range }),
      this.notifier.request(NotifierSubjects.incidentSummary, {
        ownerId: scope.teamId,
        monitorId: id,
        ...range,
      }),
    ]);
    const report: MonitorReport = {
      monitorId: id,
      name: monitor.name,
      ...range,
      checks,
      incidents,
    };
    if (query.format === 'json') return report;
    download(res, `report-${id}-${fileTime(from)}-${fileTime(to)}.csv`);
    return csvLine(REPORT_COLUMNS) + csvLine(reportRow(report));
  }

  @Allow('viewer')
  @Get('checks.csv')
  @ApiOperation({
    summary: `Stored checks between from and to as CSV, oldest first (at most ${MAX_CSV_ROWS.toLocaleString('en')} rows)`,
    description: `Raw checks are kept CHECKS_RETENTION_DAYS. A range holding more than ${MAX_CSV_ROWS.toLocaleString('en')} checks ends at that many rows: ask again from the last \`scheduled_at\`. \`X-Row-Limit\` says the bound.`,
  })
  @ApiQueryFrom(ChecksCsvQuerySchema)
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'text/csv, one header row then one row per check.' })
  async checksCsv(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Query(new ZodPipe(ChecksCsvQuerySchema)) query: ChecksCsvQuery,
    @Res() res: Response,
  ): Promise<void> {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DAY_MS);
    // Ownership and the first page before any byte is sent: a failure is still a problem answer.
    await this.registry.request(RegistrySubjects.getMonitor, {
      ownerId: scope.teamId,
      monitorId: id,
    });
    const pageOf = (cursor?: string) =>
      this.metrics.request(MetricsSubjects.listChecks, {
        monitorId: id,
        from: from.toISOString(),
        to: to.toISOString(),
        sort: 'asc',
        limit: CSV_PAGE,
        ...(cursor ? { cursor } : {}),
      });
    let page = await pageOf();
    download(res, `checks-${id}-${fileTime(from)}-${fileTime(to)}.csv`);
    res.setHeader('X-Row-Limit', String(MAX_CSV_ROWS));
    res.write(csvLine(CHECK_COLUMNS));
    let written = 0;
    try {
      for (;;) {
        for (const check of page.items.slice(0, MAX_CSV_ROWS - written))
          res.write(csvLine(checkRow(check)));
        written += page.items.length;
        if (!page.nextCursor || written >= MAX_CSV_ROWS || res.destroyed) break;
        page = await pageOf(page.nextCursor);
      }
      res.end();
    } catch {
      // Headers are gone: cutting the body short is the only way left to say it is incomplete.
      res.destroy();
    }
  }
}

function download(res: Response, filename: string): void {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'private, no-store');
}

/** A timestamp fit for a file name: 20261202T041500Z. */
function fileTime(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function reportRow(report: MonitorReport): (string | number | null)[] {
  const { checks, incidents } = report;
  return [
    report.monitorId,
    report.name,
    report.from,
    report.to,
    checks.checks,
    checks.downChecks,
    checks.degradedChecks,
    checks.uptimePercent,
    checks.avgLatencyMs,
    checks.p50,
    checks.p95,
    checks.p99,
    incidents.incidents,
    incidents.downtimeSeconds,
    incidents.mttrSeconds,
    incidents.longestSeconds,
    checks.resolution,
  ];
}

function checkRow(check: CheckResult): (string | number | boolean | null)[] {
  return [
    check.id,
    check.scheduledAt,
    check.startedAt,
    check.region,
    check.outcome,
    check.errorKind,
    check.httpStatus,
    check.latencyMs,
    check.timings.dnsMs,
    check.timings.connectMs,
    check.timings.tlsMs,
    check.timings.firstByteMs,
    check.timings.transferMs,
    check.sizeBytes,
    check.onDemand,
    check.inMaintenance,
    check.message,
  ];
}
