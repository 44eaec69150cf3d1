import { NatsResponder } from '@uptime/bus';
import { nestLogLevels } from '@uptime/config';
import { QueueGroups } from '@uptime/contracts';
import { type RunningService, startService } from '@uptime/service-host';
import type { NotifierConfig } from './config';
import { NotifierModule } from './notifier.module';

export function startNotifier(config: NotifierConfig, listen = true): Promise<RunningService> {
  return startService({
    module: NotifierModule.forRoot(config),
    logLevels: nestLogLevels(config.logLevel),
    logFormat: config.logFormat,
    tracing: { name: 'notifier', endpoint: config.otlpEndpoint },
    port: listen ? config.port : undefined,
    metrics: config.metrics,
    responder: new NatsResponder(config.natsUrl, QueueGroups.notifier),
  });
}
