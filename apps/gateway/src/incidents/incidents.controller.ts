import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type Incident,
  type IncidentQuery,
  IncidentQuerySchema,
  IncidentSchema,
  NotifierSubjects,
  type Page,
  pageSchema,
} from '@uptime/contracts';
import { Authenticated, CurrentCaller } from '../auth/current-caller';
import type { Caller } from '../auth/jwt.strategy';
import { ApiQueryFrom, openApiResponse } from '../http/openapi';
import { IdParam, ZodPipe } from '../http/validation';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';
import { MonitorOwnership } from '../monitors/monitor-ownership';

const INCIDENT_PAGE_DOC = { schema: openApiResponse(pageSchema(IncidentSchema)) };

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
  @ApiQueryFrom(IncidentQuerySchema)
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
  @ApiQueryFrom(IncidentQuerySchema)
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
