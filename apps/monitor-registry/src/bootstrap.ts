import { NatsResponder } from '@uptime/bus';
import { nestLogLevels } from '@uptime/config';
import { QueueGroups } from '@uptime/contracts';
import { type RunningService, startService } from '@uptime/service-host';
import type { RegistryConfig } from './config';
import { RegistryModule } from './registry.module';

/** Starts the registry; `listen: false` inside the single-process platform. */
export function startRegistry(config: RegistryConfig, listen = true): Promise<RunningService> {
  return startService({
    module: RegistryModule.forRoot(config),
    logLevels: nestLogLevels(config.logLevel),
    logFormat: config.logFormat,
    tracing: { name: 'monitor-registry', endpoint: config.otlpEndpoint },
    port: listen ? config.port : undefined,
    metrics: config.metrics,
    responder: new NatsResponder(config.natsUrl, QueueGroups.registry),
  });
}
