import { z } from 'zod';

/** A cursor the check list did not hand out; the caller answers 400. */
export class InvalidCursorError extends Error {
  constructor() {
    super('not a cursor this list returned');
    this.name = 'InvalidCursorError';
  }
}

/** The sort key of the last check a page returned: (scheduled_at, check_id). */
const CheckCursorSchema = z.object({ t: z.iso.datetime(), id: z.uuid() }).strict();
export type CheckCursor = z.output<typeof CheckCursorSchema>;

export function encodeCheckCursor(position: CheckCursor): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCheckCursor(cursor: string | undefined): CheckCursor | undefined {
  if (cursor === undefined) return undefined;
  try {
    return CheckCursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError();
  }
}
