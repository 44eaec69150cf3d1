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
 * A job older than its monitor's interval is dropped, not run late: its slot has passed and the
 * next one is already scheduled; a late check would only skew the time series. An on-demand job
 * is dropped once its caller has stopped waiting (the timeout and the gateway's margin): run
 * later (say, when a prober of its region comes back hours after), it would answer no one.
 */
export function isStale(job: ProbeJob, now: number): boolean {
  const age = now - Date.parse(job.scheduledAt);
  if (job.onDemand) return age > job.spec.timeoutMs + ON_DEMAND_MARGIN_MS;
  return age > job.spec.intervalSeconds * 1000;
}
