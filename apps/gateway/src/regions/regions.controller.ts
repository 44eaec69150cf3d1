import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type RegionList, RegionListSchema } from '@uptime/contracts';
import { Allow, Authenticated } from '../access/access-rule';
import { openApiResponse } from '../http/openapi';
import { RegionDirectory } from './region-directory';

/** Regions are the platform's, not a team's: any signed-in caller (or API key) may read them. */
@ApiTags('regions')
@Authenticated()
@Controller('regions')
export class RegionsController {
  constructor(private readonly directory: RegionDirectory) {}

  @Allow('viewer')
  @Get()
  @ApiOperation({
    summary: "The platform's regions, each with its live probers, last heartbeat and state",
    description:
      '`state` is `down` with no live prober, `degraded` while a prober of the region fails its ' +
      'own canary (its results are `prober_error` and count against no monitor), else `healthy`.',
  })
  @ApiOkResponse({ schema: openApiResponse(RegionListSchema) })
  list(): RegionList {
    return { items: this.directory.regions() };
  }
}
