import { type DynamicModule, Module } from '@nestjs/common';
import { BusModule, natsReadiness } from '@uptime/bus';
import { HealthModule } from '@uptime/health';
import type { ProberConfig } from './config';

@Module({})
export class ProberModule {
  static forRoot(config: ProberConfig): DynamicModule {
    return {
      module: ProberModule,
      imports: [
        BusModule.forRoot({ natsUrl: config.natsUrl, name: 'prober' }),
        HealthModule.forApp(natsReadiness()),
      ],
    };
  }
}
