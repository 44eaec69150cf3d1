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
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  type Monitor,
  MonitorBulkCreateSchema,
  type MonitorReply,
  monitorReplyOf,
  MonitorReplySchema,
  monitorOf,
  MonitorCreateSchema,
  type MonitorPatchInput,
  MonitorPatchSchema,
  type MonitorSpec,
  type MonitorListQuery,
  MonitorListQuerySchema,
  type MonitorEntry,
  MonitorEntrySchema,
  nextWindow,
  RegistryMaintenanceSubjects,
  type Page,
  pageSchema,
  RegistrySubjects,
  validateMonitorCreate,
  validateMonitorCreateMany,
  validateMonitorPatch,
} from '@uptime/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { Allow, Authenticated } from '../access/access-rule';
import { CurrentScope } from '../access/current-scope';
import type { TeamScope } from '../access/caller';
import { ApiQueryFrom, openApiResponse, openApiSchema } from '../http/openapi';
import { IdParam, invalid, ValidatorPipe, ZodPipe } from '../http/validation';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';
import { ChannelCheck } from './channel-check';
import { ImportDeferral, ImportDeferred } from './import-deferral';
import { MonitorOwnership } from './monitor-ownership';
import { MonitorStatus } from './monitor-status';
import { RegionDirectory } from '../regions/region-directory';
import { RegionCheck } from './region-check';

const MONITOR_RESPONSE = { schema: openApiResponse(MonitorReplySchema) };
const MONITOR_ENTRY_RESPONSE = { schema: openApiResponse(MonitorEntrySchema) };

const MAX_BULK_BYTES = 900_000;

/** Types a prober checks; other kinds (pushed heartbeats) have no regions. */
const PROBED_TYPES: ReadonlySet<string> = new Set(['http', 'tcp', 'dns']);

@ApiTags('monitors')
@Authenticated()
@Controller('monitors')
export class MonitorsController {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    private readonly status: MonitorStatus,
    private readonly channels: ChannelCheck,
    private readonly ownership: MonitorOwnership,
    private readonly regions: RegionCheck,
    private readonly directory: RegionDirectory,
    private readonly deferral: ImportDeferral,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Allow('editor')
  @Post()
  @ApiOperation({ summary: 'Create a monitor' })
  @ApiBody({ schema: openApiSchema(MonitorCreateSchema) })
  @ApiCreatedResponse(MONITOR_RESPONSE)
  @ApiConflictResponse({ description: 'You already monitor this method and URL.' })
  @ApiForbiddenResponse({
    description:
      'Quota exceeded (`/problems/quota-exceeded`): you would own more than MAX_MONITORS_PER_USER monitors; nothing was created.',
  })
  async create(
    @CurrentScope() scope: TeamScope,
    @Body(new ValidatorPipe(validateMonitorCreate)) spec: MonitorSpec,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MonitorReply> {
    this.regions.assertKnown(spec.regions);
    await this.channels.assertOwned(scope.teamId, spec);
    const monitor = await this.registry.request(RegistrySubjects.createMonitor, {
      ownerId: scope.teamId,
      body: this.withDefaultRegions(spec),
    });
    res.location(`/api/v1/monitors/${monitor.id}`);
    return this.reply(monitor);
  }

  @Allow('editor')
  @Post('bulk')
  @ApiOperation({
    summary:
      'Create up to 1,000 monitors at once, all or none (imports, monitors as code); 503 with `Retry-After` while probers are behind',
  })
  @ApiBody({ schema: openApiSchema(MonitorBulkCreateSchema) })
  @ApiCreatedResponse({
    schema: openApiResponse(z.object({ items: z.array(MonitorReplySchema) })),
  })
  @ApiConflictResponse({ description: 'You already monitor one of these methods and URLs.' })
  @ApiForbiddenResponse({
    description:
      'Quota exceeded (`/problems/quota-exceeded`): you would own more than MAX_MONITORS_PER_USER monitors; nothing was created.',
  })
  @ApiServiceUnavailableResponse({
    description:
      'Deferred (`/problems/probers-behind`): a prober starts checks later than BULK_CREATE_MAX_PROBE_LAG_SECONDS; nothing was created, send the request again after `Retry-After` seconds.',
  })
  async createMany(
    @CurrentScope() scope: TeamScope,
    @Body(new ValidatorPipe(validateMonitorCreateMany)) specs: MonitorSpec[],
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ items: MonitorReply[] }> {
    // NATS carries at most 1 MB per message; monitors with large bodies must come in fewer.
    const bytes = Buffer.byteLength(JSON.stringify(specs));
    if (bytes > MAX_BULK_BYTES) {
      const message = `are ${bytes} bytes together, above ${MAX_BULK_BYTES}: send fewer per request`;
      throw invalid([{ field: 'monitors', message }]);
    }
    this.regions.assertKnownByEach(specs.map((s) => s.regions));
    await this.channels.assertOwnedByEach(scope.teamId, specs);
    const bodies = specs.map((spec) => this.withDefaultRegions(spec));
    try {
      this.deferral.assertProbersKeepUp(new Set(bodies.flatMap((body) => body.regions)));
    } catch (err) {
      if (err instanceof ImportDeferred)
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
    const created = await this.registry.request(RegistrySubjects.createMonitors, {
      ownerId: scope.teamId,
      bodies,
    });
    return { items: created.items.map((fields, i) => this.reply(monitorOf(fields, bodies[i]!))) };
  }

  @Allow('viewer')
  @Get()
  @ApiOperation({
    summary: 'List your monitors, oldest first: `limit` and `cursor` → `{ items, nextCursor }`',
    description:
      'A page holds at most `limit` monitors, fewer when they are large (each page fits one ' +
      'internal message); follow `nextCursor` until it is null. `key` finds the monitor with ' +
      'that key (a page of 0 or 1).',
  })
  @ApiQueryFrom(MonitorListQuerySchema)
  @ApiOkResponse({ schema: openApiResponse(pageSchema(MonitorReplySchema)) })
  async list(
    @CurrentScope() scope: TeamScope,
    @Query(new ZodPipe(MonitorListQuerySchema)) query: MonitorListQuery,
  ): Promise<Page<MonitorReply>> {
    const found = await this.registry.request(RegistrySubjects.listMonitors, {
      ownerId: scope.teamId,
      ...query,
    });
    const items = await this.status.withStatus(found.items);
    return { ...found, items: items.map((m) => this.reply(m)) };
  }

  @Allow('viewer')
  @Get(':id')
  @ApiOperation({
    summary: 'A monitor of yours, with its latest status and its next maintenance window',
  })
  @ApiOkResponse(MONITOR_ENTRY_RESPONSE)
  @ApiNotFoundResponse({ description: 'No monitor of yours has this id.' })
  async get(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
  ): Promise<MonitorEntry> {
    const [monitor, windows] = await Promise.all([
      this.registry.request(RegistrySubjects.getMonitor, { ownerId: scope.teamId, monitorId: id }),
      this.registry.request(RegistryMaintenanceSubjects.list, {
        ownerId: scope.teamId,
        monitorId: id,
      }),
    ]);
    const [withStatus] = await this.status.withStatus([monitor]);
    return {
      ...this.reply(withStatus!),
      nextMaintenance: nextWindow(windows.items, id, Date.now()),
    };
  }

  @Allow('editor')
  @Patch(':id')
  @ApiOperation({
    summary: 'Change some fields of a monitor; alertPolicy merges field by field',
    description:
      'Lists are replaced whole: `channelIds`, `regions`, and `alertPolicy.escalation` (whose ' +
      'steps may only name channels of yours, as `channelIds` may).',
  })
  @ApiBody({ schema: openApiSchema(MonitorPatchSchema) })
  @ApiOkResponse(MONITOR_RESPONSE)
  @ApiNotFoundResponse({ description: 'No monitor of yours has this id.' })
  async update(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Body(new ValidatorPipe(validateMonitorPatch)) patch: MonitorPatchInput,
  ): Promise<MonitorReply> {
    this.regions.assertKnown(patch.regions);
    await this.channels.assertOwned(scope.teamId, patch);
    const monitor = await this.registry.request(RegistrySubjects.updateMonitor, {
      ownerId: scope.teamId,
      monitorId: id,
      body: patch,
    });
    return this.reply(monitor);
  }

  @Allow('editor')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a monitor; its schedule stops' })
  @ApiNoContentResponse({ description: 'Deleted; its schedule stops.' })
  @ApiNotFoundResponse({ description: 'No monitor of yours has this id.' })
  async remove(@CurrentScope() scope: TeamScope, @Param('id', IdParam) id: string): Promise<void> {
    await this.registry.request(RegistrySubjects.deleteMonitor, {
      ownerId: scope.teamId,
      monitorId: id,
    });
    // Before the answer, not when the event comes round: the caller's next read must 404.
    this.ownership.forget(id);
  }

  @Allow('editor')
  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop checking a monitor (idempotent)' })
  @ApiOkResponse(MONITOR_RESPONSE)
  async pause(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
  ): Promise<MonitorReply> {
    const monitor = await this.registry.request(RegistrySubjects.pauseMonitor, {
      ownerId: scope.teamId,
      monitorId: id,
    });
    return this.reply(monitor);
  }

  @Allow('editor')
  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start checking a paused monitor again (idempotent)' })
  @ApiOkResponse(MONITOR_RESPONSE)
  async resume(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
  ): Promise<MonitorReply> {
    const monitor = await this.registry.request(RegistrySubjects.resumeMonitor, {
      ownerId: scope.teamId,
      monitorId: id,
    });
    return this.reply(monitor);
  }

  /** A heartbeat monitor's token is shown only as its public ping URL. */
  private reply(monitor: Monitor): MonitorReply {
    return monitorReplyOf(monitor, this.config.publicUrl);
  }

  /**
   * A probed monitor that names no region runs from the regions with live probers at its
   * creation (see `RegionDirectory.defaultRegions`); stored explicitly, so it keeps them.
   */
  private withDefaultRegions(spec: MonitorSpec): MonitorSpec {
    if (spec.regions.length > 0 || !PROBED_TYPES.has(spec.type)) return spec;
    return { ...spec, regions: this.directory.defaultRegions() };
  }
}
