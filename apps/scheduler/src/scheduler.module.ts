import { type DynamicModule, Module } from '@nestjs/common';
import { BusModule, natsReadiness } from '@uptime/bus';
import { TelemetryModule, HealthModule, readinessCheck } from '@uptime/health';
import type { SchedulerConfig } from './config';
import { DeadlineKeeper } from './heartbeats/deadline-keeper';
import { MaintenanceCalendar } from './maintenance/maintenance-calendar';
import { MonitorFeed } from './monitors/monitor-feed';
import { RegionCoverage } from './regions/region-coverage';
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
            inject: [MonitorFeed, RegionCoverage, DeadlineKeeper, MaintenanceCalendar],
            checks: (
              feed: MonitorFeed,
              coverage: RegionCoverage,
              deadlines: DeadlineKeeper,
              maintenance: MaintenanceCalendar,
            ) => [
              readinessCheck('schedule', async () => {
                if (!feed.isLoaded) throw new Error('the registry snapshot is not loaded yet');
              }),
              // Jobs that no prober takes mean monitors that look scheduled and are not checked.
              readinessCheck('regions', async () => {
                const unserved = coverage.unservedRegions();
                if (unserved.length === 0) return;
                throw new Error(
                  `probe jobs wait for regions with no live prober: ${unserved.join(', ')}`,
                );
              }),
              readinessCheck('heartbeats', async () => {
                if (!deadlines.isInitialized)
                  throw new Error('the heartbeat pings are not read yet');
              }),
              readinessCheck('maintenance', async () => {
                if (!maintenance.isLoaded)
                  throw new Error('the maintenance windows are not loaded yet');
              }),
            ],
          }),
          [scheduling],
        ),
      ],
    };
  }
}
