import { takeWithin } from '@uptime/bus';
import { keysetCursorAfter, type Page } from '@uptime/contracts';

/**
 * The page of `rows` (a query's `limit + 1`, in list order) that holds at most `limit` items and
 * about `budget` bytes of JSON; its cursor points after the last item it holds, so a page cut
 * short by bytes goes on where it stopped.
 */
export function pageOf<R extends { id: string; createdAt: Date }, T>(
  rows: readonly R[],
  limit: number,
  budget: number,
  toItem: (row: R) => T,
): Page<T> {
  const items = takeWithin(rows, limit, budget, toItem);
  const last = rows[items.length - 1];
  const nextCursor =
    rows.length > items.length && last ? keysetCursorAfter(last.createdAt, last.id) : null;
  return { items, nextCursor };
}
