import { type DynamicModule, Module } from '@nestjs/common';
import { BusModule, natsReadiness } from '@uptime/bus';
import { TelemetryModule, HealthModule, readinessCheck } from '@uptime/health';
import type { SchedulerConfig } from './config';
import { DeadlineKeeper } from './heartbeats/deadline-keeper';
import { JobDispatcher } from './jobs/job-dispatcher';
import { MaintenanceCalendar } from './maintenance/maintenance-calendar';
import { MonitorFeed } from './monitors/monitor-feed';
import { PartitionLease } from './partitions/partition-lease';
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
            inject: [
              MonitorFeed,
              RegionCoverage,
              DeadlineKeeper,
              MaintenanceCalendar,
              JobDispatcher,
              PartitionLease,
            ],
            checks: (
              feed: MonitorFeed,
              coverage: RegionCoverage,
              deadlines: DeadlineKeeper,
              maintenance: MaintenanceCalendar,
              dispatcher: JobDispatcher,
              lease: PartitionLease,
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
              // Behind schedule: `degraded` with the lag and the misses, yet ready (see FallingBehind).
              dispatcher.behind.readiness('overload'),
              // A standby (no partition: more schedulers than partitions, or just joined) is
              // ready too: it takes partitions over when another scheduler dies.
              async () => {
                const owned = lease.owned.length;
                return {
                  partitions: {
                    status: 'up',
                    role: owned > 0 ? 'active' : 'standby',
                    owned,
                    of: lease.partitions,
                  },
                };
              },
            ],
          }),
          [scheduling],
        ),
      ],
    };
  }
}
