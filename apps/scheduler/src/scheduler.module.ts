import { type DynamicModule, Module } from '@nestjs/common';
import { BusModule, natsReadiness } from '@uptime/bus';
import { TelemetryModule, HealthModule, readinessCheck } from '@uptime/health';
import type { SchedulerConfig } from './config';
import { MonitorFeed } from './monitors/monitor-feed';
import { SchedulingModule } from './scheduling.module';

@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig): DynamicModule {
    const scheduling = SchedulingModule.forRoot(config);
    return {
      module: SchedulerModule,
      imports: [
        BusModule.forRoot({ natsUrl: config.natsUrl, name: 'scheduler' }),
        TelemetryModule.forApp({ app: 'scheduler' }),
        scheduling,
        HealthModule.forApp(
          natsReadiness({
            inject: [MonitorFeed],
            checks: (feed: MonitorFeed) => [
              readinessCheck('schedule', async () => {
                if (!feed.isLoaded) throw new Error('the registry snapshot is not loaded yet');
              }),
            ],
          }),
          [scheduling],
        ),
      ],
    };
  }
}
