import { NatsResponder } from '@uptime/bus';
import { nestLogLevels } from '@uptime/config';
import { QueueGroups } from '@uptime/contracts';
import { type RunningService, startService } from '@uptime/service-host';
import type { MetricsConfig } from './config';
import { MetricsModule } from './metrics.module';

export function startMetrics(config: MetricsConfig, listen = true): Promise<RunningService> {
  return startService({
    module: MetricsModule.forRoot(config),
    logLevels: nestLogLevels(config.logLevel),
    logFormat: config.logFormat,
    tracing: { name: 'metrics', endpoint: config.otlpEndpoint },
    port: listen ? config.port : undefined,
    metrics: config.metrics,
    responder: new NatsResponder(config.natsUrl, QueueGroups.metrics),
  });
}
