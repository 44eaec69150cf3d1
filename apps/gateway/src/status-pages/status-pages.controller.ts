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
  RegistryStatusPageSubjects,
  type StatusPage,
  type StatusPageCreateInput,
  StatusPageCreateSchema,
  type StatusPagePatchInput,
  StatusPagePatchSchema,
  StatusPageSchema,
} from '@uptime/contracts';
import { z } from 'zod';
import { Allow, Authenticated } from '../access/access-rule';
import type { TeamScope } from '../access/caller';
import { CurrentScope } from '../access/current-scope';
import { openApiResponse, openApiSchema } from '../http/openapi';
import { IdParam, NoQuery, ZodPipe } from '../http/validation';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';
import { PublicStatusPages } from './public-status-pages';

const PAGE_RESPONSE = { schema: openApiResponse(StatusPageSchema) };
const NOT_FOUND = { description: 'The team has no status page with this id.' };
const BAD_FIELDS = {
  description:
    'An invalid field, named in `errors`: `slug` (also when another page holds it), `monitorIds[i]` naming no monitor of the team.',
};

/**
 * Status pages of the team the request acts in (`X-Team-Id`, else the personal team): viewers
 * read them, editors change them. A public page answers at `/status/{slug}` to anyone.
 */
@ApiTags('status-pages')
@Authenticated()
@Controller('status-pages')
export class StatusPagesController {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    private readonly published: PublicStatusPages,
  ) {}

  @Allow('editor')
  @Post()
  @ApiOperation({ summary: 'Create a status page showing some of the team’s monitors' })
  @ApiBody({ schema: openApiSchema(StatusPageCreateSchema) })
  @ApiCreatedResponse(PAGE_RESPONSE)
  @ApiBadRequestResponse(BAD_FIELDS)
  @ApiForbiddenResponse({
    description: 'The team already holds 20 status pages (`/problems/quota-exceeded`).',
  })
  async create(
    @CurrentScope() scope: TeamScope,
    @Body(new ZodPipe(StatusPageCreateSchema)) body: StatusPageCreateInput,
  ): Promise<StatusPage> {
    const page = await this.registry.request(RegistryStatusPageSubjects.create, {
      ownerId: scope.teamId,
      body,
    });
    // A visitor may have asked for the slug before it existed: kept as not found, until now.
    this.published.forget(page.slug);
    return page;
  }

  @Allow('viewer')
  @Get()
  @ApiOperation({ summary: 'The team’s status pages, oldest first' })
  @ApiOkResponse({ schema: openApiResponse(z.object({ items: z.array(StatusPageSchema) })) })
  list(
    @CurrentScope() scope: TeamScope,
    @Query(NoQuery) _query: object,
  ): Promise<{ items: StatusPage[] }> {
    return this.registry.request(RegistryStatusPageSubjects.list, { ownerId: scope.teamId });
  }

  @Allow('viewer')
  @Get(':id')
  @ApiOperation({ summary: 'One status page' })
  @ApiOkResponse(PAGE_RESPONSE)
  @ApiNotFoundResponse(NOT_FOUND)
  get(@CurrentScope() scope: TeamScope, @Param('id', IdParam) id: string): Promise<StatusPage> {
    return this.registry.request(RegistryStatusPageSubjects.get, {
      ownerId: scope.teamId,
      pageId: id,
    });
  }

  @Allow('editor')
  @Patch(':id')
  @ApiOperation({ summary: 'Change a status page; the public page shows it within 30 s' })
  @ApiBody({ schema: openApiSchema(StatusPagePatchSchema) })
  @ApiOkResponse(PAGE_RESPONSE)
  @ApiBadRequestResponse(BAD_FIELDS)
  @ApiNotFoundResponse(NOT_FOUND)
  async update(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Body(new ZodPipe(StatusPagePatchSchema)) body: StatusPagePatchInput,
  ): Promise<StatusPage> {
    const before = await this.get(scope, id);
    const page = await this.registry.request(RegistryStatusPageSubjects.update, {
      ownerId: scope.teamId,
      pageId: id,
      body,
    });
    // This replica shows the change at once (under the old slug and a new one, which may be
    // kept as not found); others within their cache's 30 s.
    this.published.forget(before.slug);
    this.published.forget(page.slug);
    return page;
  }

  @Allow('editor')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a status page' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse(NOT_FOUND)
  async remove(@CurrentScope() scope: TeamScope, @Param('id', IdParam) id: string): Promise<void> {
    const page = await this.get(scope, id);
    await this.registry.request(RegistryStatusPageSubjects.delete, {
      ownerId: scope.teamId,
      pageId: id,
    });
    this.published.forget(page.slug);
  }
}
