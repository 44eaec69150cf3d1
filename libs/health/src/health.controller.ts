import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { ReadinessChecks } from './readiness';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(ReadinessChecks) private readonly readiness: ReadinessChecks,
  ) {}

  /** The process runs and answers; restart it only when this fails. */
  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process runs and answers (every app, outside the prefix)',
  })
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Every dependency the app needs answers; route traffic to it only when this passes. */
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: every dependency the app needs answers (every app, outside the prefix)',
  })
  @HealthCheck()
  ready() {
    return this.health.check(this.readiness.checks);
  }
}
