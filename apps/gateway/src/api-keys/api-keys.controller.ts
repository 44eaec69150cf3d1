import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Res,
} from '@nestjs/common';
import {
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
  type ApiKey,
  type ApiKeyCreated,
  type ApiKeyCreateInput,
  ApiKeyCreatedSchema,
  ApiKeyCreateSchema,
  ApiKeySchema,
  RegistryApiKeySubjects,
} from '@uptime/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { Allow, Authenticated } from '../access/access-rule';
import { ApiKeys } from '../access/api-keys';
import type { TeamScope, UserCaller } from '../access/caller';
import { CurrentScope, CurrentUser } from '../access/current-scope';
import { openApiResponse, openApiSchema } from '../http/openapi';
import { IdParam, ZodPipe } from '../http/validation';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';

/**
 * The API keys of the team the request acts in (`X-Team-Id`, else the personal team). Managing
 * them takes an admin or owner signed in as a person: a key cannot mint or revoke keys.
 */
@ApiTags('api-keys')
@Authenticated()
@Controller('api-keys')
export class ApiKeysController {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    private readonly apiKeys: ApiKeys,
  ) {}

  @Allow('admin', { personOnly: true })
  @Post()
  // The key is a credential: no cache, shared or private, may keep a copy.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Create an API key of the team (admin); its `key` is shown in this answer only',
  })
  @ApiBody({ schema: openApiSchema(ApiKeyCreateSchema) })
  @ApiCreatedResponse({ schema: openApiResponse(ApiKeyCreatedSchema) })
  @ApiForbiddenResponse({
    description:
      'A role above your own (`/problems/forbidden`), or the team already holds MAX_API_KEYS_PER_TEAM keys (`/problems/quota-exceeded`).',
  })
  async create(
    @CurrentScope() scope: TeamScope,
    @CurrentUser() user: UserCaller,
    @Body(new ZodPipe(ApiKeyCreateSchema)) body: ApiKeyCreateInput,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ApiKeyCreated> {
    const created = await this.registry.request(RegistryApiKeySubjects.create, {
      teamId: scope.teamId,
      actorRole: scope.role,
      createdBy: user.userId,
      body,
    });
    res.location(`/api/v1/api-keys/${created.id}`);
    return created;
  }

  @Allow('admin', { personOnly: true })
  @Get()
  @ApiOperation({ summary: "The team's API keys, oldest first, each shown by its prefix (admin)" })
  @ApiOkResponse({ schema: openApiResponse(z.object({ items: z.array(ApiKeySchema) })) })
  list(@CurrentScope() scope: TeamScope): Promise<{ items: ApiKey[] }> {
    return this.registry.request(RegistryApiKeySubjects.list, { teamId: scope.teamId });
  }

  @Allow('admin', { personOnly: true })
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke an API key, at once on every gateway (admin; an owner key: owner)',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'The team has no key with this id.' })
  async remove(@CurrentScope() scope: TeamScope, @Param('id', IdParam) id: string): Promise<void> {
    await this.registry.request(RegistryApiKeySubjects.delete, {
      teamId: scope.teamId,
      keyId: id,
      actorRole: scope.role,
    });
    // The registry's notice reaches this replica too; forgetting here needs no round trip.
    this.apiKeys.forget((key) => key.keyId === id);
  }
}
