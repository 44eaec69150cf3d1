import {
  type CheckResult,
  ON_DEMAND_MARGIN_MS,
  type ProbeJob,
  probeUserAgent,
} from '@uptime/contracts';
import {
  type HttpCheckOptions,
  type HttpCheckOutcome,
  runDnsCheck,
  runHttpCheck,
  runTcpCheck,
} from '@uptime/probe-engine';

type ProbeOptions = Pick<HttpCheckOptions, 'targets' | 'onBlocked' | 'userAgent'>;

/** Runs one probe job's check, by the monitor's type, and names the result after the job. */
export async function runProbeJob(job: ProbeJob, options: ProbeOptions): Promise<CheckResult> {
  const outcome = await runCheck(job, options);
  return {
    id: job.checkId,
    monitorId: job.monitorId,
    ownerId: job.ownerId,
    region: job.region,
    scheduledAt: job.scheduledAt,
    onDemand: job.onDemand,
    inMaintenance: job.inMaintenance === true,
    ...outcome,
  };
}

/**
 * The registry only saves monitors of supported types, so another type here is a job from a
 * newer scheduler: it throws, and the worker reports that as it does any job it cannot run.
 */
async function runCheck(job: ProbeJob, options: ProbeOptions): Promise<HttpCheckOutcome> {
  switch (job.spec.type) {
    case 'http':
      return runHttpCheck(job.spec, {
        ...options,
        userAgent: options.userAgent ?? probeUserAgent(job.region),
      });
    case 'tcp':
      return runTcpCheck(job.spec, options);
    case 'dns':
      return runDnsCheck(job.spec, options);
    default:
      throw new TypeError(`this prober cannot run ${job.spec.type} checks`);
  }
}

/**
 * A scheduled job runs late up to this many intervals after its slot. The scheduler queues one
 * job per monitor at a time and, while it waits, records the monitor's next slots as missed;
 * the waiting job keeps its place, so under overload every monitor is checked in turn, each
 * about as late (docs/architecture.md). Later than this it is dropped (and recorded): its
 * monitor's lateness is past any use.
 */
export const STALE_AFTER_INTERVALS = 2;

/**
 * A scheduled job older than STALE_AFTER_INTERVALS of its interval is dropped. An on-demand job
 * is dropped once its caller has stopped waiting (the timeout and the gateway's margin): run
 * later (say, when a prober of its region comes back hours after), it would answer no one.
 */
export function isStale(job: ProbeJob, now: number): boolean {
  const age = now - Date.parse(job.scheduledAt);
  if (job.onDemand) return age > job.spec.timeoutMs + ON_DEMAND_MARGIN_MS;
  return age > STALE_AFTER_INTERVALS * job.spec.intervalSeconds * 1000;
}
