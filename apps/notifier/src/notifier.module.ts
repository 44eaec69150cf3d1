import { type DynamicModule, Module } from '@nestjs/common';
import { BusModule, natsReadiness } from '@uptime/bus';
import { TelemetryModule, HealthModule } from '@uptime/health';
import type { NotifierConfig } from './config';

@Module({})
export class NotifierModule {
  static forRoot(config: NotifierConfig): DynamicModule {
    return {
      module: NotifierModule,
      imports: [
        BusModule.forRoot({ natsUrl: config.natsUrl, name: 'notifier' }),
        TelemetryModule.forApp({ app: 'notifier' }),
        HealthModule.forApp(natsReadiness()),
      ],
    };
  }
}
