import { nestLogLevels } from '@uptime/config';
import { type RunningService, startService } from '@uptime/service-host';
import type { ProberConfig } from './config';
import { ProberModule } from './prober.module';

export function startProber(config: ProberConfig, listen = true): Promise<RunningService> {
  return startService({
    module: ProberModule.forRoot(config),
    logLevels: nestLogLevels(config.logLevel),
    logFormat: config.logFormat,
    tracing: { name: 'prober', endpoint: config.otlpEndpoint },
    port: listen ? config.port : undefined,
    metrics: config.metrics,
  });
}
