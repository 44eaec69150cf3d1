import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProblemError } from '@uptime/bus';
import {
  NotifierSubjects,
  Problems,
  type RegionIncidentList,
  RegionIncidentListSchema,
  type RegionIncidentQuery,
  RegionIncidentQuerySchema,
  type RegionList,
  RegionListSchema,
} from '@uptime/contracts';
import { Allow, Authenticated } from '../access/access-rule';
import type { TeamScope } from '../access/caller';
import { CurrentScope } from '../access/current-scope';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { ApiQueryFrom, openApiResponse } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';
import { RegionDirectory } from './region-directory';

/** Regions are the platform's, not a team's: any signed-in caller (or API key) may read them. */
@ApiTags('regions')
@Authenticated()
@Controller('regions')
export class RegionsController {
  constructor(
    private readonly directory: RegionDirectory,
    @Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Allow('viewer')
  @Get()
  @ApiOperation({
    summary: "The platform's regions, each with its live probers, last heartbeat and state",
    description:
      '`state` is `down` with no live prober, `cut_off` while a region incident is open (most ' +
      'monitors failed only there; `incident` shows it, and the region counts against no ' +
      'monitor), `degraded` while a prober of the region fails its own canary (its results are ' +
      '`prober_error` and count against no monitor), else `healthy`.',
  })
  @ApiOkResponse({ schema: openApiResponse(RegionListSchema) })
  list(): RegionList {
    return { items: this.directory.regions() };
  }

  /**
   * Region incidents span every team's monitors, so no team's role is enough: the platform has
   * no operator role of its own, and every person owns a personal team, so `admin` alone would
   * let anybody read them. The operators are the admins of one team the deployment names.
   */
  @Allow('admin')
  @Get('incidents')
  @ApiOperation({
    summary: 'Region incidents opened in [from, to], newest first (admins of OPERATOR_TEAM_ID)',
  })
  @ApiQueryFrom(RegionIncidentQuerySchema)
  @ApiOkResponse({ schema: openApiResponse(RegionIncidentListSchema) })
  @ApiForbiddenResponse({
    description: 'Not an admin of the operator team (`OPERATOR_TEAM_ID`), or none is set.',
  })
  incidents(
    @CurrentScope() scope: TeamScope,
    @Query(new ZodPipe(RegionIncidentQuerySchema)) query: RegionIncidentQuery,
  ): Promise<RegionIncidentList> {
    const operators = this.config.operatorTeamId;
    if (!operators || scope.teamId !== operators) {
      throw new ProblemError(
        Problems.forbidden(
          operators
            ? 'Region incidents are for the operator team (OPERATOR_TEAM_ID): act in it (X-Team-Id) as an admin.'
            : 'No operator team is set (OPERATOR_TEAM_ID): nobody may list region incidents.',
        ),
      );
    }
    return this.notifier.request(NotifierSubjects.listRegionIncidents, query);
  }
}
