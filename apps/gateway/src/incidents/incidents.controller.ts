import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  type Incident,
  type IncidentQuery,
  IncidentQuerySchema,
  NotifierSubjects,
  type Page,
} from '@uptime/contracts';
import { Authenticated, CurrentCaller } from '../auth/current-caller';
import type { Caller } from '../auth/jwt.strategy';
import { IdParam, ZodPipe } from '../http/validation';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';
import { MonitorOwnership } from '../monitors/monitor-ownership';

const INCIDENT_PAGE_DOC = {
  description:
    '{ items: [{ id, monitorId, state, kind, startedAt, resolvedAt, cause, timeline }], nextCursor }',
};

@ApiTags('incidents')
@Authenticated()
@Controller()
export class IncidentsController {
  constructor(
    @Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient,
    private readonly ownership: MonitorOwnership,
  ) {}

  @Get('incidents')
  @ApiOperation({ summary: 'Your incidents, newest first' })
  @ApiQuery({ name: 'state', required: false, enum: ['open', 'resolved'] })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse(INCIDENT_PAGE_DOC)
  list(
    @CurrentCaller() caller: Caller,
    @Query(new ZodPipe(IncidentQuerySchema)) query: IncidentQuery,
  ): Promise<Page<Incident>> {
    return this.notifier.request(NotifierSubjects.listIncidents, {
      ownerId: caller.userId,
      ...query,
    });
  }

  @Get('monitors/:id/incidents')
  @ApiOperation({ summary: "A monitor's incidents, newest first" })
  @ApiQuery({ name: 'state', required: false, enum: ['open', 'resolved'] })
  @ApiOkResponse(INCIDENT_PAGE_DOC)
  @ApiNotFoundResponse({ description: 'No monitor of yours has this id.' })
  async ofMonitor(
    @CurrentCaller() caller: Caller,
    @Param('id', IdParam) id: string,
    @Query(new ZodPipe(IncidentQuerySchema)) query: IncidentQuery,
  ): Promise<Page<Incident>> {
    await this.ownership.assertOwned(caller, id);
    return this.notifier.request(NotifierSubjects.listIncidents, {
      ownerId: caller.userId,
      monitorId: id,
      ...query,
    });
  }
}
