import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContractPipe, rpcProblem } from '@uptime/bus';
import {
  type CheckResult,
  DeleteChecksRequestSchema,
  LatestRequestSchema,
  type ListChecksRequest,
  ListChecksRequestSchema,
  MetricsSubjects,
  type MonitorLatest,
  type MonitorStats,
  type Page,
  Problems,
  type ResponseTimeSeries,
  type ResponseTimesRequest,
  ResponseTimesRequestSchema,
  type StatsRequest,
  StatsRequestSchema,
} from '@uptime/contracts';
import { CheckStore, InvalidCursorError } from '../checks/check-store';

/**
 * Questions about stored checks, over NATS request/reply. Ownership is the gateway's business:
 * it asks the registry first, so a monitor id reaching here is the caller's.
 */
@Controller()
export class MetricsHandler {
  constructor(private readonly store: CheckStore) {}

  @MessagePattern(MetricsSubjects.listChecks)
  async list(
    @Payload(new ContractPipe(ListChecksRequestSchema)) req: ListChecksRequest,
  ): Promise<Page<CheckResult>> {
    const { monitorId, ...query } = req;
    try {
      return await this.store.list(monitorId, query);
    } catch (err) {
      if (err instanceof InvalidCursorError) {
        throw rpcProblem(
          Problems.validation([{ field: 'cursor', message: 'is not a cursor this list returned' }]),
        );
      }
      throw err;
    }
  }

  @MessagePattern(MetricsSubjects.stats)
  async stats(
    @Payload(new ContractPipe(StatsRequestSchema)) req: StatsRequest,
  ): Promise<MonitorStats> {
    return { ...(await this.store.stats(req.monitorId, req.window)), ongoingIncident: null };
  }

  @MessagePattern(MetricsSubjects.responseTimes)
  responseTimes(
    @Payload(new ContractPipe(ResponseTimesRequestSchema)) req: ResponseTimesRequest,
  ): Promise<ResponseTimeSeries> {
    const { monitorId, ...range } = req;
    if (range.from && range.to && Date.parse(range.from) >= Date.parse(range.to)) {
      throw rpcProblem(Problems.validation([{ field: 'from', message: 'must be before to' }]));
    }
    return this.store.responseTimes(monitorId, range);
  }

  @MessagePattern(MetricsSubjects.latest)
  async latest(
    @Payload(new ContractPipe(LatestRequestSchema)) req: { monitorIds: string[] },
  ): Promise<{ items: MonitorLatest[] }> {
    return { items: await this.store.latest(req.monitorIds) };
  }

  @MessagePattern(MetricsSubjects.deleteChecks)
  async remove(
    @Payload(new ContractPipe(DeleteChecksRequestSchema)) req: { monitorId: string },
  ): Promise<{ ok: true }> {
    await this.store.deleteMonitor(req.monitorId);
    return { ok: true };
  }
}
