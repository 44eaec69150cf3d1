import { type DynamicModule, Module } from '@nestjs/common';
import { BusClient } from '@uptime/bus';
import { SCHEDULER_CONFIG, type SchedulerConfig } from './config';
import { DeadlineKeeper } from './heartbeats/deadline-keeper';
import { JobDispatcher } from './jobs/job-dispatcher';
import { MaintenanceCalendar } from './maintenance/maintenance-calendar';
import { MonitorFeed, REGISTRY_CLIENT } from './monitors/monitor-feed';
import { PartitionLease } from './partitions/partition-lease';
import { RegionCoverage } from './regions/region-coverage';
import { Schedule } from './schedule/schedule';

/** The schedule, what feeds it, which partitions this scheduler holds, and what it publishes. */
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
        PartitionLease,
        RegionCoverage,
        MaintenanceCalendar,
        JobDispatcher,
        MonitorFeed,
        DeadlineKeeper,
        {
          // The lease needs the dispatcher's progress and the feed's state, and they need the
          // lease: wired here, after all three exist, rather than injected in a cycle.
          provide: 'PARTITION_WIRING',
          inject: [PartitionLease, JobDispatcher, MonitorFeed],
          useFactory: (lease: PartitionLease, dispatcher: JobDispatcher, feed: MonitorFeed) =>
            lease.attach(dispatcher, () => feed.isLoaded),
        },
      ],
      exports: [
        MonitorFeed,
        PartitionLease,
        JobDispatcher,
        Schedule,
        RegionCoverage,
        DeadlineKeeper,
        MaintenanceCalendar,
      ],
    };
  }
}
