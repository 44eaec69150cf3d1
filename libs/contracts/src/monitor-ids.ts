import { z } from 'zod';

/**
 * A list of a team's monitor ids in a request body (a status page's, a maintenance window's).
 * A repeated id is refused at its index rather than dropped: the caller sent something other
 * than what would be stored, and should hear so.
 */
export function monitorIdList({
  atLeastOne,
  max,
  description,
}: {
  atLeastOne: boolean;
  max: number;
  description: string;
}) {
  return z
    .array(z.uuid({ message: 'must be a monitor id (UUID)' }), { message: 'must be an array' })
    .min(atLeastOne ? 1 : 0, 'must name at least one monitor')
    .max(max, `must name at most ${max} monitors`)
    .superRefine((ids, ctx) => {
      const seen = new Set<string>();
      ids.forEach((id, index) => {
        if (seen.has(id))
          ctx.addIssue({ code: 'custom', path: [index], message: 'is listed twice' });
        seen.add(id);
      });
    })
    .meta({ description });
}
