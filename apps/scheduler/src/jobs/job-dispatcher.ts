import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ensureStream, JetStreamPublisher, NATS_CONNECTION } from '@uptime/bus';
import { type ProbeJob, probeJobFor, ProbeJobStream, probeJobSubject } from '@uptime/contracts';
import { JSONCodec, type NatsConnection } from 'nats';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import { Counter, Gauge, type Registry } from 'prom-client';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { LeaderLease } from '../leadership/leader-lease';
import { RegionCoverage } from '../regions/region-coverage';
import { type DueCheck, Schedule } from '../schedule/schedule';
import { checkIdOf } from '../schedule/slots';
import { MaintenanceCalendar } from '../maintenance/maintenance-calendar';

const codec = JSONCodec<ProbeJob>();
/** Wake at least this often, so a new leader starts publishing within a second. */
const MAX_SLEEP_MS = 1000;
const PUBLISH_ATTEMPTS = 4;

/**
 * Sleeps until the next slot, takes what is due and, on the leader, publishes one probe job per
 * region to the PROBE_JOBS work queue. The job's id is derived from its slot, so a job published
 * twice (a retry, or two leaders during a hand-over) is dropped by JetStream as a duplicate.
 */
@Injectable()
export class JobDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new RateLimitedLog(new Logger(JobDispatcher.name));
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private publishing = Promise.resolve();
  private publisher?: JetStreamPublisher;
  published = 0;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly schedule: Schedule,
    private readonly lease: LeaderLease,
    private readonly coverage: RegionCoverage,
    private readonly maintenance: MaintenanceCalendar,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    this.publishedTotal = new Counter({
      name: 'uptime_scheduler_jobs_published_total',
      help: 'Probe jobs published to the work queue',
      registers: [registry],
    });
    this.unpublishedTotal = new Counter({
      name: 'uptime_scheduler_jobs_unpublished_total',
      help: 'Probe jobs given up after every attempt: the work queue refused them (full: PROBE_JOBS_MAX_MB) or did not answer',
      registers: [registry],
    });
    new Gauge({
      name: 'uptime_scheduler_leader',
      help: '1 while this instance holds the lease and publishes',
      registers: [registry],
      collect() {
        this.set(lease.isLeader ? 1 : 0);
      },
    });
    new Gauge({
      name: 'uptime_scheduler_monitors',
      help: 'Active monitors in the schedule',
      registers: [registry],
      collect() {
        this.set(schedule.size);
      },
    });
  }

  private readonly publishedTotal: Counter;
  private readonly unpublishedTotal: Counter;

  async onApplicationBootstrap(): Promise<void> {
    await ensureStream(await this.nc.jetstreamManager(), ProbeJobStream, this.config.streamSizes);
    this.publisher = new JetStreamPublisher(this.nc);
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.publishing;
    this.publisher?.close();
  }

  /** Re-plans the next wake-up (a monitor was added or changed). */
  wake(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const next = this.schedule.nextDueAt();
    const sleep =
      next === undefined ? MAX_SLEEP_MS : Math.min(MAX_SLEEP_MS, Math.max(0, next - Date.now()));
    this.timer = setTimeout(() => this.dispatch(), sleep);
  }

  private dispatch(): void {
    const due = this.schedule.takeDue(Date.now());
    if (due.length > 0 && this.lease.isLeader) {
      this.publishing = this.publishing.then(() => this.publish(due));
    }
    this.wake();
  }

  /** Publishes every job; a failed publish is retried while its slot is young, never dropped silently. */
  private async publish(due: DueCheck[]): Promise<void> {
    let jobs = due.flatMap(({ monitor, slotMs }) => {
      const inMaintenance = this.maintenance.covers(monitor.id, slotMs);
      return this.coverage.regionsOf(monitor).map((region) =>
        probeJobFor(monitor, {
          checkId: checkIdOf(monitor.id, region, slotMs),
          region,
          scheduledAt: new Date(slotMs),
          onDemand: false,
          inMaintenance,
        }),
      );
    });
    this.coverage.published(new Set(jobs.map((job) => job.region)));
    let lastError: unknown;
    for (
      let attempt = 1;
      jobs.length > 0 && attempt <= PUBLISH_ATTEMPTS && !this.stopped;
      attempt++
    ) {
      const publisher = this.publisher!;
      const results = await Promise.allSettled(
        jobs.map((job) =>
          publisher.publish(
            probeJobSubject(job.region, job.monitorId),
            codec.encode(job),
            job.checkId,
          ),
        ),
      );
      const failed = jobs.filter((_, i) => results[i]!.status === 'rejected');
      lastError = results.find((r) => r.status === 'rejected')?.reason;
      this.published += jobs.length - failed.length;
      this.publishedTotal.inc(jobs.length - failed.length);
      jobs = failed;
      if (failed.length) await new Promise((r) => setTimeout(r, 250 * attempt));
    }
    if (jobs.length === 0) return;
    this.unpublishedTotal.inc(jobs.length);
    this.log.warn(
      `${jobs.length} probe jobs could not be published after ${PUBLISH_ATTEMPTS} attempts: ${String(lastError)}`,
    );
  }
}
