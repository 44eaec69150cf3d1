import { Controller } from '@nestjs/common';
import { Answers, rpcProblem } from '@uptime/bus';
import {
  BUCKET_MS,
  type CheckResult,
  type CheckTotals,
  type CheckTotalsRequest,
  type DailyUptime,
  type Coverage,
  type CoverageRequest,
  invalidCursorProblem,
  MAX_RESPONSE_TIME_POINTS,
  type ListChecksRequest,
  MetricsSubjects,
  type MonitorLatest,
  type MonitorStats,
  type Page,
  pointsOver,
  Problems,
  type ResponseTimesBatch,
  type ResponseTimesBatchRequest,
  type ResponseTimeSeries,
  type ResponseTimesRequest,
  type StatsRequest,
} from '@uptime/contracts';
import { CheckStore, InvalidCursorError } from '../checks/check-store';
import { MonitorErasure } from '../checks/monitor-erasure';
import { SlotCoverage } from '../coverage/slot-coverage';

const DAY_MS = BUCKET_MS['1d'];

/** Only a bucket the caller chose can give too many: the default one suits the range. */
function pointsOf(range: Omit<ResponseTimesRequest, 'monitorId'>, now = Date.now()): number {
  if (!range.bucket) return 0;
  const to = range.to ? Date.parse(range.to) : now;
  const from = range.from ? Date.parse(range.from) : to - DAY_MS;
  return pointsOver(from, to, range.bucket);
}

function assertFromBeforeTo(from: string | undefined, to: string | undefined): void {
  if (from && to && Date.parse(from) >= Date.parse(to)) {
    throw rpcProblem(Problems.validation([{ field: 'from', message: 'must be before to' }]));
  }
}

/**
 * Questions about stored checks, over NATS request/reply. Ownership is the gateway's business:
 * it asks the registry first, so a monitor id reaching here is the caller's.
 */
@Controller()
export class MetricsHandler {
  constructor(
    private readonly store: CheckStore,
    private readonly erasure: MonitorErasure,
    private readonly coverage: SlotCoverage,
  ) {}

  @Answers(MetricsSubjects.listChecks)
  async list(req: ListChecksRequest): Promise<Page<CheckResult>> {
    const { monitorId, ...query } = req;
    try {
      return await this.store.list(monitorId, query);
    } catch (err) {
      if (err instanceof InvalidCursorError) {
        throw rpcProblem(invalidCursorProblem());
      }
      throw err;
    }
  }

  @Answers(MetricsSubjects.stats)
  async stats(req: StatsRequest): Promise<MonitorStats> {
    const stats = await this.store.stats(req.monitorId, req.window, undefined, req.region);
    return { ...stats, ongoingIncident: null, coverage: null };
  }

  @Answers(MetricsSubjects.responseTimes)
  responseTimes(req: ResponseTimesRequest): Promise<ResponseTimeSeries> {
    const { monitorId, ...range } = req;
    assertFromBeforeTo(range.from, range.to);
    const points = pointsOf(range);
    if (points > MAX_RESPONSE_TIME_POINTS) {
      const message = `gives up to ${points} points over this range, above ${MAX_RESPONSE_TIME_POINTS}: choose a larger bucket or a shorter range`;
      throw rpcProblem(Problems.validation([{ field: 'bucket', message }]));
    }
    return this.store.responseTimes(monitorId, range);
  }

  /** The gateway splits a larger question into chunks that each fit this bound. */
  @Answers(MetricsSubjects.responseTimesMany)
  async responseTimesMany(req: ResponseTimesBatchRequest): Promise<ResponseTimesBatch> {
    assertFromBeforeTo(req.from, req.to);
    const from = new Date(req.from);
    const to = new Date(req.to);
    const points = pointsOver(from.getTime(), to.getTime(), req.bucket) * req.monitorIds.length;
    if (points > MAX_RESPONSE_TIME_POINTS) {
      const message = `gives up to ${points} points for ${req.monitorIds.length} monitors, above ${MAX_RESPONSE_TIME_POINTS}: ask for fewer monitors, a larger bucket or a shorter range`;
      throw rpcProblem(Problems.validation([{ field: 'bucket', message }]));
    }
    const items = await this.store.responseTimesOf(req.monitorIds, from, to, req.bucket);
    return { bucket: req.bucket, from: from.toISOString(), to: to.toISOString(), items };
  }

  @Answers(MetricsSubjects.coverage)
  slotCoverage(req: CoverageRequest): Promise<Coverage> {
    return this.coverage.of(req);
  }

  @Answers(MetricsSubjects.latest)
  async latest(req: { monitorIds: string[] }): Promise<{ items: MonitorLatest[] }> {
    return { items: await this.store.latest(req.monitorIds) };
  }

  @Answers(MetricsSubjects.checkTotals)
  checkTotals(req: CheckTotalsRequest): Promise<CheckTotals> {
    return this.store.totals(req.monitorId, new Date(req.from), new Date(req.to));
  }

  @Answers(MetricsSubjects.dailyUptime)
  async dailyUptime(req: { monitorIds: string[]; days: number }): Promise<DailyUptime> {
    return { items: await this.store.dailyFigures(req.monitorIds, req.days) };
  }

  @Answers(MetricsSubjects.deleteChecks)
  async remove(req: { monitorId: string }): Promise<{ ok: true }> {
    await this.erasure.deleteMonitor(req.monitorId);
    return { ok: true };
  }
}
