import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import {
  type ConfigApplyQuery,
  ConfigApplyQuerySchema,
  ConfigDocumentSchema,
  type ConfigPlan,
  ConfigPlanSchema,
} from '@uptime/contracts';
import type { Request, Response } from 'express';
import { Allow, Authenticated } from '../access/access-rule';
import type { TeamScope } from '../access/caller';
import { CurrentScope } from '../access/current-scope';
import { API_PREFIX } from '../http/api-prefix';
import { YAML_BODY_TYPES } from '../http/json-body';
import { ApiQueryFrom, openApiResponse, openApiSchema } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { ConfigDocumentsService } from './config-documents.service';
import { configDocumentJsonSchema, exportedYaml } from './document-yaml';

/** Where a document is applied; the only route that reads YAML bodies. */
export const CONFIG_APPLY_PATH = 'config/apply';
const SCHEMA_PATH = 'config/schema.json';

@ApiTags('monitors as code')
@Controller()
export class ConfigDocumentsController {
  constructor(private readonly documents: ConfigDocumentsService) {}

  @Get('config/export')
  @Authenticated()
  @Allow('viewer')
  @ApiOperation({
    summary: "The team's monitors and channels as one YAML document (monitors as code)",
    description:
      'Monitors ordered by key, fields at their defaults left out, channels by name and without secrets. A monitor without a key gets one made up from its name and id; applying the document sets it.',
  })
  @ApiProduces('text/yaml')
  @ApiOkResponse({ description: 'The document, as YAML.', schema: { type: 'string' } })
  async export(
    @CurrentScope() scope: TeamScope,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const exported = await this.documents.export(scope.teamId);
    res.type('text/yaml; charset=utf-8');
    return exportedYaml(exported, schemaUrlOf(req));
  }

  @Post(CONFIG_APPLY_PATH)
  @HttpCode(200)
  @Authenticated()
  @Allow('editor')
  @ApiOperation({
    summary: "Make the team's monitors what a document says (YAML or JSON); `dryRun` only plans",
    description:
      'Monitors are matched by `key`: new keys are created, changed monitors updated (each change listed field by field), and with `prune=true` keyed monitors the document does not list are deleted; monitors without a key are never deleted, and one whose method and URL a new key has is adopted (its key is set). All or nothing; applying the same document again changes nothing. Channels are named, and must exist; applying never changes channels. Errors name the field and, for YAML, its line. At most 1,000 monitors and 1 MB.',
  })
  @ApiConsumes('application/json', ...YAML_BODY_TYPES)
  @ApiQueryFrom(ConfigApplyQuerySchema)
  @ApiBody({ schema: openApiSchema(ConfigDocumentSchema) })
  @ApiOkResponse({
    description: 'The plan; `applied` is false in a dry run.',
    schema: openApiResponse(ConfigPlanSchema),
  })
  @ApiBadRequestResponse({
    description:
      'Not YAML (`line`, `column`), or invalid fields (`errors[]` with `field` and `line`), an unknown channel name, a repeated key: nothing was changed.',
  })
  @ApiConflictResponse({
    description:
      'Two monitors would share a method and URL (`errors[]` names the document monitor): nothing was changed.',
  })
  @ApiForbiddenResponse({
    description: 'Quota exceeded (`/problems/quota-exceeded`): nothing was changed.',
  })
  @ApiPayloadTooLargeResponse({ description: 'The document is larger than 1 MB: split it.' })
  apply(
    @CurrentScope() scope: TeamScope,
    @Query(new ZodPipe(ConfigApplyQuerySchema)) query: ConfigApplyQuery,
    @Body() body: unknown,
  ): Promise<ConfigPlan> {
    return this.documents.apply(scope.teamId, body, query);
  }

  @Get(SCHEMA_PATH)
  @ApiOperation({
    summary: 'The JSON Schema of the configuration document, for editors (public)',
  })
  @ApiOkResponse({ description: 'A draft-07 JSON Schema.', schema: { type: 'object' } })
  schema(@Req() req: Request): Record<string, unknown> {
    return configDocumentJsonSchema(schemaUrlOf(req));
  }
}

/** The schema's address as the caller reached it (through `TRUST_PROXY`'s forwarded proto). */
function schemaUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host')}/${API_PREFIX}/${SCHEMA_PATH}`;
}
