import type { Incident } from '@uptime/contracts';
import type { ApiClient } from './api-client';
import { waitFor } from './wait-for';

/**
 * Waits, through the API, until a failing monitor has an open incident and a stored failing
 * check, and a healthy one a check: a page built from them (a status page, kept 30 s) then shows
 * both as they are.
 */
export async function waitForFirstResults(
  api: ApiClient,
  token: string,
  { broken, healthy }: { broken: string; healthy: string },
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    'an open incident of the broken monitor',
    async () =>
      (
        await api.get<{ items: Incident[] }>(`/api/v1/monitors/${broken}/incidents`, token)
      ).body.items.find((i) => i.state === 'open'),
    timeoutMs,
    250,
  );
  // The notifier may open the incident before the metrics service has stored the failing
  // check the page's status is read from: wait for that stored check too.
  const storedCheck = (id: string, outcome?: string) =>
    waitFor(
      `a stored check of monitor ${id}${outcome ? ` (${outcome})` : ''}`,
      async () =>
        (
          await api.get<{ items: { outcome: string }[] }>(`/api/v1/monitors/${id}/checks`, token)
        ).body.items.find((c) => !outcome || c.outcome === outcome),
      timeoutMs,
      250,
    );
  await storedCheck(broken, 'down');
  await storedCheck(healthy);
}
