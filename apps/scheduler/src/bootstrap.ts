import { nestLogLevels } from '@uptime/config';
import { type RunningService, startService } from '@uptime/service-host';
import type { SchedulerConfig } from './config';
import { SchedulerModule } from './scheduler.module';

export function startScheduler(config: SchedulerConfig, listen = true): Promise<RunningService> {
  return startService({
    module: SchedulerModule.forRoot(config),
    logLevels: nestLogLevels(config.logLevel),
    logFormat: config.logFormat,
    tracing: { name: 'scheduler', endpoint: config.otlpEndpoint },
    port: listen ? config.port : undefined,
    metrics: config.metrics,
  });
}
