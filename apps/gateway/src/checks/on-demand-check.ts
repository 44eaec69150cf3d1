import { Inject, Injectable } from '@nestjs/common';
import { NATS_CONNECTION, ProblemError, withTraceContext } from '@uptime/bus';
import {
  type CheckResult,
  CheckResultSchema,
  checkResultSubject,
  decodeCheckResults,
  type Monitor,
  ON_DEMAND_MARGIN_MS,
  Problems,
  probeJobFor,
  probeJobSubject,
} from '@uptime/contracts';
import { JSONCodec, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { RegionDirectory } from '../regions/region-directory';

const jobCodec = JSONCodec<unknown>();
const MARGIN_MS = ON_DEMAND_MARGIN_MS;

/**
 * Runs one check now: the job goes through the same work queue as scheduled ones (so a prober,
 * never the gateway, makes the request, and the result is stored like any other), and the
 * gateway waits for that result on the results subject.
 */
@Injectable()
export class OnDemandCheck {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly directory: RegionDirectory,
  ) {}

  async run(monitor: Monitor): Promise<CheckResult> {
    const region = this.regionFor(monitor);
    const asked = new Date();
    const job = probeJobFor(monitor, {
      checkId: randomUUID(),
      region,
      scheduledAt: asked,
      onDemand: true,
    });
    const subscription = this.nc.subscribe(checkResultSubject(region));
    // Our own deadline: the subscription's `timeout` stops at its first message, and on a region
    // with other monitors that is another check's result, so a job that never returns (dropped
    // as stale, its prober gone) held the request and its subscription open for ever.
    const deadline = setTimeout(() => subscription.unsubscribe(), monitor.timeoutMs + MARGIN_MS);
    try {
      await this.nc
        .jetstream()
        .publish(probeJobSubject(region, monitor.id, true), jobCodec.encode(job), {
          msgID: job.checkId,
          // The prober's span continues the caller's request.
          headers: withTraceContext(undefined),
        })
        .catch(() => {
          throw queueRefused();
        });
      for await (const m of subscription) {
        // A prober's message carries the results it finished together. Only the awaited one
        // goes through the schema, which fills what an older prober leaves out (its
        // assertions); the others of the region are only looked at.
        const result = decodeCheckResults(m.data).find((r) =>
          answers(r, job.checkId, monitor.id, asked),
        );
        if (result) return CheckResultSchema.parse(result);
      }
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      throw timedOut(monitor);
    } finally {
      clearTimeout(deadline);
      subscription.unsubscribe();
    }
    throw timedOut(monitor);
  }

  /** The first of the monitor's regions with a live prober, so the answer does not wait in vain. */
  private regionFor(monitor: Monitor): string {
    const regions = monitor.regions.length > 0 ? monitor.regions : this.directory.defaultRegions();
    const live = new Set(this.directory.liveRegions());
    return regions.find((region) => live.has(region)) ?? regions[0]!;
  }
}

/**
 * Our job's result, or another on-demand check of the monitor asked for no earlier than ours. The
 * queue holds one on-demand job per monitor, so of several callers asking at once only the last
 * job is run: each of them is answered by that check, made after they asked.
 */
function answers(result: CheckResult, checkId: string, monitorId: string, asked: Date): boolean {
  if (result.id === checkId) return true;
  return (
    result.onDemand === true &&
    result.monitorId === monitorId &&
    Date.parse(result.scheduledAt) >= asked.getTime()
  );
}

/** The work queue did not take the job (full, or JetStream away): say so, not "timed out". */
function queueRefused(): ProblemError {
  return new ProblemError(
    Problems.unavailable(
      'The probe job queue did not take the check (full or unavailable); try again later.',
    ),
  );
}

function timedOut(monitor: Monitor): ProblemError {
  return new ProblemError({
    type: '/problems/check-timeout',
    title: 'Check did not complete',
    status: 504,
    detail: `No prober returned a result within ${monitor.timeoutMs + MARGIN_MS} ms. Is a prober running?`,
  });
}
