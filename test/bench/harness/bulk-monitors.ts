import type { ApiClient, ApiResponse } from '../../support/api-client';

/** Monitors per `POST /monitors/bulk`, well under its 1,000 limit and 1 MB body. */
const PER_REQUEST = 500;

/**
 * Creates monitors `from` … `to − 1` through the bulk endpoint, `concurrency` requests at once
 * (as an import would), and returns their ids in order.
 */
export async function createMonitorsInBulk(
  api: ApiClient,
  token: string,
  plan: {
    from: number;
    to: number;
    concurrency: number;
    /** Monitors per request (default 500). */
    perRequest?: number;
    monitorOf: (i: number) => Record<string, unknown>;
    /** Told how many monitors exist once each request is answered (in any order). */
    onCreated?: (count: number) => void;
    /**
     * Times a request answered 503 (a backing service did not answer in time: a loaded host) is
     * sent again, 5 s apart. The first may still have created its monitors, so a retried step
     * can hold a few more monitors than planned, or answer 409 (then those ids stay unset: list
     * the monitors to learn them); the bench says how many were retried.
     */
    retries?: number;
    onRetry?: () => void;
    /**
     * Told of each request the gateway deferred (503 `/problems/probers-behind`: probers were
     * behind, nothing created): it is sent again after its `Retry-After`, as often as it takes
     * within 10 minutes, not counted as a retry.
     */
    onDeferred?: (waitMs: number) => void;
  },
): Promise<string[]> {
  const ids = new Array<string>(plan.to - plan.from);
  let next = plan.from;
  let created = 0;
  const worker = async () => {
    while (next < plan.to) {
      const first = next;
      const last = Math.min(plan.to, first + (plan.perRequest ?? PER_REQUEST));
      next = last;
      const monitors: Record<string, unknown>[] = [];
      for (let i = first; i < last; i++) monitors.push(plan.monitorOf(i));
      const send = () => sendDeferrable(api, token, monitors, plan.onDeferred);
      let res = await send();
      let retried = false;
      for (let attempt = 0; res.status === 503 && attempt < (plan.retries ?? 0); attempt++) {
        plan.onRetry?.();
        retried = true;
        await new Promise((resolve) => setTimeout(resolve, 5000));
        res = await send();
      }
      // The request that timed out did create them: their ids are read back by the caller.
      if (retried && res.status === 409) continue;
      if (res.status !== 201)
        throw new Error(
          `creating monitors ${first}–${last - 1}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`,
        );
      res.body.items.forEach((m, k) => (ids[first - plan.from + k] = m.id));
      created += res.body.items.length;
      plan.onCreated?.(created);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  return ids;
}

const DEFERRED_FOR_AT_MOST_MS = 10 * 60_000;

type BulkAnswer = ApiResponse<{ items: { id: string }[]; type?: string }>;

/** One bulk request, sent again after each deferral (probers behind) for up to 10 minutes. */
async function sendDeferrable(
  api: ApiClient,
  token: string,
  monitors: Record<string, unknown>[],
  onDeferred?: (waitMs: number) => void,
): Promise<BulkAnswer> {
  const giveUpAt = Date.now() + DEFERRED_FOR_AT_MOST_MS;
  for (;;) {
    const res: BulkAnswer = await api.post('/api/v1/monitors/bulk', { monitors }, token);
    const deferred = res.status === 503 && res.body?.type === '/problems/probers-behind';
    if (!deferred || Date.now() > giveUpAt) return res;
    const waitMs = Number(res.headers.get('retry-after') ?? 5) * 1000;
    onDeferred?.(waitMs);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
