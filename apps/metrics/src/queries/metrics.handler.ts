import { Controller } from '@nestjs/common';
import { Answers, rpcProblem } from '@uptime/bus';
import {
  type BUCKETS,
  type CheckResult,
  invalidCursorProblem,
  type ListChecksRequest,
  MetricsSubjects,
  type MonitorLatest,
  type MonitorStats,
  type Page,
  Problems,
  type ResponseTimeSeries,
  type ResponseTimesRequest,
  type StatsRequest,
} from '@uptime/contracts';
import { CheckStore, InvalidCursorError } from '../checks/check-store';
import { MonitorErasure } from '../checks/monitor-erasure';

/**
 * Points one response-time answer may hold: more than a chart shows, and at ~100 bytes a point
 * far within one NATS message (a month of 1-minute points, 43,200, would not be).
 */
const MAX_POINTS = 5000;
const BUCKET_MS: Record<(typeof BUCKETS)[number], number> = {
  '1m': 60_000,
  '5m': 5 * 60_000,
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '1d': 24 * 60 * 60_000,
};
const DAY_MS = BUCKET_MS['1d'];

/** Only a bucket the caller chose can give too many: the default one suits the range. */
function pointsOf(range: Omit<ResponseTimesRequest, 'monitorId'>, now = Date.now()): number {
  if (!range.bucket) return 0;
  const to = range.to ? Date.parse(range.to) : now;
  const from = range.from ? Date.parse(range.from) : to - DAY_MS;
  return Math.ceil((to - from) / BUCKET_MS[range.bucket]) + 1;
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
    return { ...stats, ongoingIncident: null };
  }

  @Answers(MetricsSubjects.responseTimes)
  responseTimes(req: ResponseTimesRequest): Promise<ResponseTimeSeries> {
    const { monitorId, ...range } = req;
    if (range.from && range.to && Date.parse(range.from) >= Date.parse(range.to)) {
      throw rpcProblem(Problems.validation([{ field: 'from', message: 'must be before to' }]));
    }
    const points = pointsOf(range);
    if (points > MAX_POINTS) {
      const message = `gives up to ${points} points over this range, above ${MAX_POINTS}: choose a larger bucket or a shorter range`;
      throw rpcProblem(Problems.validation([{ field: 'bucket', message }]));
    }
    return this.store.responseTimes(monitorId, range);
  }

  @Answers(MetricsSubjects.latest)
  async latest(req: { monitorIds: string[] }): Promise<{ items: MonitorLatest[] }> {
    return { items: await this.store.latest(req.monitorIds) };
  }

  @Answers(MetricsSubjects.deleteChecks)
  async remove(req: { monitorId: string }): Promise<{ ok: true }> {
    await this.erasure.deleteMonitor(req.monitorId);
    return { ok: true };
  }
}
