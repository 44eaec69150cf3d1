import { z } from 'zod';
import { type Problem, Problems } from './problem';

/**
 * An opaque position in a keyset-paged list: the sort key (`t`, an instant, then `id`) of the
 * last item the client saw. Every list hands it out as base64url JSON, so one decoder serves all.
 */
export const KeysetPositionSchema = z.object({ t: z.iso.datetime(), id: z.uuid() }).strict();
export type KeysetPosition = z.output<typeof KeysetPositionSchema>;

/** A cursor no list handed out; the caller answers 400 naming `cursor`. */
export class InvalidCursorError extends Error {
  constructor() {
    super('not a cursor this list returned');
    this.name = 'InvalidCursorError';
  }
}

export function encodeKeysetCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The cursor after an item sorted by `at`, then `id`. */
export function keysetCursorAfter(at: Date, id: string): string {
  return encodeKeysetCursor({ t: at.toISOString(), id });
}

/** No cursor is the first page; anything but a cursor a list returned throws `InvalidCursorError`. */
export function decodeKeysetCursor(cursor: string | undefined): KeysetPosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    return KeysetPositionSchema.parse(
      JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')),
    );
  } catch {
    throw new InvalidCursorError();
  }
}

/** The 400 a request with an `InvalidCursorError` cursor is answered with. */
export function invalidCursorProblem(): Problem {
  return Problems.validation([{ field: 'cursor', message: 'is not a cursor this list returned' }]);
}
