import { rpcProblem, takeWithin } from '@uptime/bus';
import { type Page, Problems } from '@uptime/contracts';
import { z } from 'zod';

/** An opaque position in a list: the sort key of the last item the client saw. */
const CursorSchema = z.object({ t: z.iso.datetime(), id: z.uuid() }).strict();
export type CursorPosition = z.output<typeof CursorSchema>;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): CursorPosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    return CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw rpcProblem(
      Problems.validation([{ field: 'cursor', message: 'is not a cursor this list returned' }]),
    );
  }
}

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
    rows.length > items.length && last
      ? encodeCursor({ t: last.createdAt.toISOString(), id: last.id })
      : null;
  return { items, nextCursor };
}
