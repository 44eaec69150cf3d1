import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  BUCKET_MS,
  bucketFor,
  MAX_RESPONSE_TIME_BATCH_POINTS,
  MAX_OWNED_IDS_ASKED,
  MAX_RESPONSE_TIME_IDS,
  MAX_RESPONSE_TIME_POINTS,
  MetricsSubjects,
  pointsOver,
  RegistrySubjects,
  type ResponseTimesBatchQuery,
  ResponseTimesBatchQuerySchema,
  type ResponseTimesBatchReply,
  ResponseTimesBatchReplySchema,
} from '@uptime/contracts';
import { Allow, Authenticated } from '../access/access-rule';
import type { TeamScope } from '../access/caller';
import { CurrentScope } from '../access/current-scope';
import { ApiQueryFrom, openApiResponse } from '../http/openapi';
import { invalid, ZodPipe } from '../http/validation';
import { METRICS_CLIENT, type MetricsClient } from '../metrics-client';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';

/**
 * Several monitors' response times in one request: a list's sparklines cost one request per
 * poll instead of one per monitor. Registered before `MonitorsController`, whose `GET
 * /monitors/{id}` would otherwise take `response-times` for an id.
 */
@ApiTags('checks')
@Authenticated()
@Controller('monitors')
export class ResponseTimesController {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(METRICS_CLIENT) private readonly metrics: MetricsClient,
  ) {}

  @Allow('viewer')
  @Get('response-times')
  @ApiOperation({
    summary: `Response times of up to ${MAX_RESPONSE_TIME_IDS} monitors in buckets, over one range`,
    description:
      'Each series as `GET /monitors/{id}/response-times` gives it, in the order of `ids`, over one shared `from`, `to` and `bucket` (default: the last 24 h, a bucket that suits the range). An id naming no monitor of the team is listed in `unknownIds`, with no series, whether it was deleted or never of the team. ' +
      `At most ${MAX_RESPONSE_TIME_BATCH_POINTS} points in all (monitors times points per series).`,
  })
  @ApiQueryFrom(ResponseTimesBatchQuerySchema)
  @ApiOkResponse({ schema: openApiResponse(ResponseTimesBatchReplySchema) })
  @ApiBadRequestResponse({
    description:
      'A field named in `errors`: `ids` (none, more than 100, or not UUIDs: `ids[i]`), `from` (not before `to`), `bucket` (too many points).',
  })
  async many(
    @CurrentScope() scope: TeamScope,
    @Query(new ZodPipe(ResponseTimesBatchQuerySchema)) query: ResponseTimesBatchQuery,
  ): Promise<ResponseTimesBatchReply> {
    const to = query.to ? Date.parse(query.to) : Date.now();
    const from = query.from ? Date.parse(query.from) : to - BUCKET_MS['1d'];
    if (from >= to) throw invalid([{ field: 'from', message: 'must be before to' }]);
    const bucket = query.bucket ?? bucketFor(to - from);
    const perSeries = pointsOver(from, to, bucket);
    const total = perSeries * query.ids.length;
    if (perSeries > MAX_RESPONSE_TIME_POINTS) {
      const message = `gives up to ${perSeries} points a monitor over this range, above ${MAX_RESPONSE_TIME_POINTS}: choose a larger bucket or a shorter range`;
      throw invalid([{ field: 'bucket', message }]);
    }
    if (total > MAX_RESPONSE_TIME_BATCH_POINTS) {
      const message = `gives up to ${total} points for ${query.ids.length} monitors, above ${MAX_RESPONSE_TIME_BATCH_POINTS}: ask for fewer monitors, a larger bucket or a shorter range`;
      throw invalid([{ field: 'bucket', message }]);
    }
    const owned = await this.ownedAmong(scope.teamId, query.ids);
    const ids = query.ids.filter((id) => owned.has(id));
    const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket };
    // Each metrics answer stays within one NATS message: as many series per question as fit.
    const perQuestion = Math.max(1, Math.floor(MAX_RESPONSE_TIME_POINTS / perSeries));
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += perQuestion) chunks.push(ids.slice(i, i + perQuestion));
    const answers = await Promise.all(
      chunks.map((monitorIds) =>
        this.metrics.request(MetricsSubjects.responseTimesMany, { monitorIds, ...range }),
      ),
    );
    return {
      ...range,
      items: answers.flatMap((a) => a.items),
      unknownIds: query.ids.filter((id) => !owned.has(id)),
    };
  }

  /** The asked ids that are the team's monitors, as the registry says: never what a client claims. */
  private async ownedAmong(teamId: string, ids: readonly string[]): Promise<Set<string>> {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += MAX_OWNED_IDS_ASKED)
      chunks.push(ids.slice(i, i + MAX_OWNED_IDS_ASKED));
    const answers = await Promise.all(
      chunks.map((chunk) =>
        this.registry.request(RegistrySubjects.ownedMonitorIds, { ownerId: teamId, ids: chunk }),
      ),
    );
    return new Set(answers.flatMap((a) => a.ids).map((id) => id.toLowerCase()));
  }
}
