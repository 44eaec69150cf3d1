import { type DynamicModule, Module } from '@nestjs/common';
import { BusModule, natsReadiness } from '@uptime/bus';
import { HealthModule } from '@uptime/health';
import type { SchedulerConfig } from './config';

@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [
        BusModule.forRoot({ natsUrl: config.natsUrl, name: 'scheduler' }),
        HealthModule.forApp(natsReadiness()),
      ],
    };
  }
}
