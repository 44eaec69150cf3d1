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
    monitorOf: (i: number) => Record<string, unknown>;
  },
): Promise<string[]> {
  const ids = new Array<string>(plan.to - plan.from);
  let next = plan.from;
  const worker = async () => {
    while (next < plan.to) {
      const first = next;
      const last = Math.min(plan.to, first + PER_REQUEST);
      next = last;
      const monitors = [];
      for (let i = first; i < last; i++) monitors.push(plan.monitorOf(i));
      const res = await api.post<{ items: { id: string }[] }>(
        '/api/v1/monitors/bulk',
        { monitors },
        token,
      );
      if (res.status !== 201)
        throw new Error(
          `creating monitors ${first}–${last - 1}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`,
        );
      res.body.items.forEach((m, k) => (ids[first - plan.from + k] = m.id));
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  return ids;
}
