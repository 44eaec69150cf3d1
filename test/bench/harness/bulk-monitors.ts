import type { ApiClient } from '../../support/api-client';

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
      const monitors = [];
      for (let i = first; i < last; i++) monitors.push(plan.monitorOf(i));
      let res = await api.post<{ items: { id: string }[] }>(
        '/api/v1/monitors/bulk',
        { monitors },
        token,
      );
      let retried = false;
      for (let attempt = 0; res.status === 503 && attempt < (plan.retries ?? 0); attempt++) {
        plan.onRetry?.();
        retried = true;
        await new Promise((resolve) => setTimeout(resolve, 5000));
        res = await api.post('/api/v1/monitors/bulk', { monitors }, token);
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
