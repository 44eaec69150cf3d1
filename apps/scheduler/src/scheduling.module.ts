import { type DynamicModule, Module } from '@nestjs/common';
import { BusClient } from '@uptime/bus';
import { SCHEDULER_CONFIG, type SchedulerConfig } from './config';
import { DeadlineKeeper } from './heartbeats/deadline-keeper';
import { JobDispatcher } from './jobs/job-dispatcher';
import { LeaderLease } from './leadership/leader-lease';
import { MaintenanceCalendar } from './maintenance/maintenance-calendar';
import { MonitorFeed, REGISTRY_CLIENT } from './monitors/monitor-feed';
import { RegionCoverage } from './regions/region-coverage';
import { Schedule } from './schedule/schedule';

/** The schedule, what feeds it, who leads, and what it publishes. */
@Module({})
export class SchedulingModule {
  static forRoot(config: SchedulerConfig): DynamicModule {
    return {
      module: SchedulingModule,
      providers: [
        { provide: SCHEDULER_CONFIG, useValue: config },
        {
          provide: REGISTRY_CLIENT,
          useFactory: () => BusClient.connect(config.natsUrl, 'scheduler-registry-client', 10_000),
        },
        { provide: Schedule, useValue: new Schedule() },
        LeaderLease,
        RegionCoverage,
        MaintenanceCalendar,
        JobDispatcher,
        MonitorFeed,
        DeadlineKeeper,
      ],
      exports: [
        MonitorFeed,
        LeaderLease,
        JobDispatcher,
        Schedule,
        RegionCoverage,
        DeadlineKeeper,
        MaintenanceCalendar,
      ],
    };
  }
}
