import { type CheckResult, ON_DEMAND_MARGIN_MS, type ProbeJob } from '@uptime/contracts';
import { type HttpCheckOptions, runHttpCheck } from '@uptime/probe-engine';

/** Runs one probe job's check and names the result after the job. */
export async function runProbeJob(
  job: ProbeJob,
  options: Pick<HttpCheckOptions, 'targets' | 'onBlocked'>,
): Promise<CheckResult> {
  const outcome = await runHttpCheck(job.spec, options);
  return {
    id: job.checkId,
    monitorId: job.monitorId,
    ownerId: job.ownerId,
    region: job.region,
    scheduledAt: job.scheduledAt,
    onDemand: job.onDemand,
    ...outcome,
  };
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
