import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  type MaintenanceWindow,
  type MaintenanceWindowCreateInput,
  type MaintenanceWindowListQuery,
  MaintenanceWindowListQuerySchema,
  MaintenanceWindowCreateSchema,
  type MaintenanceWindowPatchInput,
  MaintenanceWindowPatchSchema,
  MaintenanceWindowSchema,
  RegistryMaintenanceSubjects,
} from '@uptime/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { Allow, Authenticated } from '../access/access-rule';
import type { TeamScope } from '../access/caller';
import { CurrentScope } from '../access/current-scope';
import { ApiQueryFrom, openApiResponse, openApiSchema } from '../http/openapi';
import { IdParam, ZodPipe } from '../http/validation';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';

const WINDOW_RESPONSE = { schema: openApiResponse(MaintenanceWindowSchema) };
const NOT_FOUND = { description: 'The team has no maintenance window with this id.' };
const BAD_MONITORS = {
  description:
    'An invalid field, named in `errors` (e.g. `endsAt`, `recurrence`, `timeZone`), or `monitorIds[i]` naming no monitor of the team.',
};

/**
 * Maintenance windows of the team the request acts in (`X-Team-Id`, else the personal team):
 * viewers read them, editors change them. While a window is open for a monitor its checks go on,
 * are stored with `inMaintenance: true`, open no incident, send no alert and count in no uptime.
 */
@ApiTags('maintenance-windows')
@Authenticated()
@Controller('maintenance-windows')
export class MaintenanceWindowsController {
  constructor(@Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient) {}

  @Allow('editor')
  @Post()
  @ApiOperation({
    summary:
      'Create a maintenance window: one-off, or repeated by an RFC 5545 RRULE in its time zone',
  })
  @ApiBody({ schema: openApiSchema(MaintenanceWindowCreateSchema) })
  @ApiCreatedResponse(WINDOW_RESPONSE)
  @ApiBadRequestResponse(BAD_MONITORS)
  @ApiForbiddenResponse({
    description: 'The team already holds 100 maintenance windows (`/problems/quota-exceeded`).',
  })
  async create(
    @CurrentScope() scope: TeamScope,
    @Body(new ZodPipe(MaintenanceWindowCreateSchema)) body: MaintenanceWindowCreateInput,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MaintenanceWindow> {
    const created = await this.registry.request(RegistryMaintenanceSubjects.create, {
      ownerId: scope.teamId,
      body,
    });
    res.location(`/api/v1/maintenance-windows/${created.id}`);
    return created;
  }

  @Allow('viewer')
  @Get()
  @ApiOperation({ summary: "The team's maintenance windows, oldest first" })
  @ApiQueryFrom(MaintenanceWindowListQuerySchema)
  @ApiOkResponse({
    schema: openApiResponse(z.object({ items: z.array(MaintenanceWindowSchema) })),
  })
  list(
    @CurrentScope() scope: TeamScope,
    @Query(new ZodPipe(MaintenanceWindowListQuerySchema))
    query: MaintenanceWindowListQuery,
  ): Promise<{ items: MaintenanceWindow[] }> {
    return this.registry.request(RegistryMaintenanceSubjects.list, {
      ownerId: scope.teamId,
      ...(query.monitorId ? { monitorId: query.monitorId } : {}),
    });
  }

  @Allow('viewer')
  @Get(':id')
  @ApiOperation({ summary: 'A maintenance window of the team' })
  @ApiOkResponse(WINDOW_RESPONSE)
  @ApiNotFoundResponse(NOT_FOUND)
  get(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
  ): Promise<MaintenanceWindow> {
    return this.registry.request(RegistryMaintenanceSubjects.get, {
      ownerId: scope.teamId,
      windowId: id,
    });
  }

  @Allow('editor')
  @Patch(':id')
  @ApiOperation({
    summary: 'Change some fields of a maintenance window; it applies from the next check',
  })
  @ApiBody({ schema: openApiSchema(MaintenanceWindowPatchSchema) })
  @ApiOkResponse(WINDOW_RESPONSE)
  @ApiBadRequestResponse(BAD_MONITORS)
  @ApiNotFoundResponse(NOT_FOUND)
  update(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Body(new ZodPipe(MaintenanceWindowPatchSchema)) body: MaintenanceWindowPatchInput,
  ): Promise<MaintenanceWindow> {
    return this.registry.request(RegistryMaintenanceSubjects.update, {
      ownerId: scope.teamId,
      windowId: id,
      body,
    });
  }

  @Allow('editor')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a maintenance window; its monitors are judged again from the next check',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse(NOT_FOUND)
  async remove(@CurrentScope() scope: TeamScope, @Param('id', IdParam) id: string): Promise<void> {
    await this.registry.request(RegistryMaintenanceSubjects.delete, {
      ownerId: scope.teamId,
      windowId: id,
    });
  }
}
