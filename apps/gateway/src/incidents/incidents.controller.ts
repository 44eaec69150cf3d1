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
import { Allow, Authenticated } from '../access/access-rule';
import { CurrentScope } from '../access/current-scope';
import type { TeamScope } from '../access/caller';
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

  @Allow('viewer')
  @Get('incidents')
  @ApiOperation({ summary: 'Your incidents, newest first' })
  @ApiQueryFrom(IncidentQuerySchema)
  @ApiOkResponse(INCIDENT_PAGE_DOC)
  list(
    @CurrentScope() scope: TeamScope,
    @Query(new ZodPipe(IncidentQuerySchema)) query: IncidentQuery,
  ): Promise<Page<Incident>> {
    return this.notifier.request(NotifierSubjects.listIncidents, {
      ownerId: scope.teamId,
      ...query,
    });
  }

  @Allow('viewer')
  @Get('monitors/:id/incidents')
  @ApiOperation({ summary: "A monitor's incidents, newest first" })
  @ApiQueryFrom(IncidentQuerySchema)
  @ApiOkResponse(INCIDENT_PAGE_DOC)
  @ApiNotFoundResponse({ description: 'No monitor of yours has this id.' })
  async ofMonitor(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Query(new ZodPipe(IncidentQuerySchema)) query: IncidentQuery,
  ): Promise<Page<Incident>> {
    await this.ownership.assertOwned(scope.teamId, id);
    return this.notifier.request(NotifierSubjects.listIncidents, {
      ownerId: scope.teamId,
      monitorId: id,
      ...query,
    });
  }
}
