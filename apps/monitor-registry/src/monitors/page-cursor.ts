import { rpcProblem } from '@uptime/bus';
import { Problems } from '@uptime/contracts';
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
