import { type DynamicModule, Module } from '@nestjs/common';
import { BusModule, NATS_CONNECTION, natsRoundTrip } from '@uptime/bus';
import { TelemetryModule, HealthModule, ReadinessChecks, readinessCheck } from '@uptime/health';
import type { NatsConnection } from 'nats';
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
          {
            provide: ReadinessChecks,
            inject: [NATS_CONNECTION, MonitorFeed],
            useFactory: (nc: NatsConnection, feed: MonitorFeed) =>
              new ReadinessChecks([
                readinessCheck('nats', () => natsRoundTrip(nc)),
                readinessCheck('schedule', async () => {
                  if (!feed.isLoaded) throw new Error('the registry snapshot is not loaded yet');
                }),
              ]),
          },
          [scheduling],
        ),
      ],
    };
  }
}
