import { Controller, Delete, Get, HttpCode, Inject, Param, Query } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  type Alert,
  type AlertQuery,
  AlertQuerySchema,
  AlertSchema,
  DeleteAlertsQuerySchema,
  NotifierAlertSubjects,
  type Page,
  pageSchema,
} from '@uptime/contracts';
import type { z } from 'zod';
import { Allow, Authenticated } from '../access/access-rule';
import { CurrentScope } from '../access/current-scope';
import type { TeamScope } from '../access/caller';
import { ApiQueryFrom, openApiResponse } from '../http/openapi';
import { IdParam, ZodPipe } from '../http/validation';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';

const FILTER_NOT_FOUND =
  "monitorId or channelId is neither yours nor one you deleted whose alerts remain (another user's id is a 404, like a missing one).";

@ApiTags('alerts')
@Authenticated()
@Controller('alerts')
export class AlertsController {
  constructor(@Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient) {}

  @Allow('viewer')
  @Get()
  @ApiOperation({
    summary: 'Your alerts (one per notification), newest first, with delivery status and attempts',
    description:
      "An alert an escalation step sent (`alertPolicy.escalation`) has the incident's kind and " +
      '`escalationStep`, 1 for the first step; every other alert has `escalationStep: null`.',
  })
  @ApiQueryFrom(AlertQuerySchema)
  @ApiOkResponse({ schema: openApiResponse(pageSchema(AlertSchema)) })
  @ApiNotFoundResponse({ description: FILTER_NOT_FOUND })
  list(
    @CurrentScope() scope: TeamScope,
    @Query(new ZodPipe(AlertQuerySchema)) query: AlertQuery,
  ): Promise<Page<Alert>> {
    return this.notifier.request(NotifierAlertSubjects.list, { ownerId: scope.teamId, ...query });
  }

  @Allow('admin')
  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Delete every alert of a monitor (?monitorId=), of a channel (?channelId=), or of both together',
  })
  @ApiQueryFrom(DeleteAlertsQuerySchema)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: FILTER_NOT_FOUND })
  async removeMany(
    @CurrentScope() scope: TeamScope,
    @Query(new ZodPipe(DeleteAlertsQuerySchema)) query: z.output<typeof DeleteAlertsQuerySchema>,
  ): Promise<void> {
    await this.notifier.request(NotifierAlertSubjects.delete, { ownerId: scope.teamId, ...query });
  }

  @Allow('admin')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete one alert' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No alert of yours has this id.' })
  async remove(@CurrentScope() scope: TeamScope, @Param('id', IdParam) id: string): Promise<void> {
    await this.notifier.request(NotifierAlertSubjects.delete, {
      ownerId: scope.teamId,
      alertId: id,
    });
  }
}
