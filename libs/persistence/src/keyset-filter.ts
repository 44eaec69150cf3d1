import type { KeysetPosition } from '@uptime/contracts';

type Beyond<V> = { $gt: V } | { $lt: V };
type LaterKey<K extends string> = { [P in K]: Beyond<Date> };
type SameKeyLaterId<K extends string> = { [P in K]: Date } & { id: Beyond<string> };
type KeysetFilter<K extends string> =
  Record<never, never> | { $or: [LaterKey<K>, SameKeyLaterId<K>] };

/**
 * The MikroORM filter for the rows after `after` in a list ordered by (`key`, id), both `asc` or
 * both `desc`: a strictly later key, or the same key and a later id, so rows that share an
 * instant are neither skipped nor repeated. No position is the first page: no filter.
 */
export function keysetAfter<K extends string>(
  key: K,
  after: KeysetPosition | undefined,
  order: 'asc' | 'desc',
): KeysetFilter<K> {
  if (!after) return {};
  const at = new Date(after.t);
  const beyond = <V>(value: V): Beyond<V> => (order === 'asc' ? { $gt: value } : { $lt: value });
  // A computed key widens to `string`; `key` is K, so the objects are of the narrower types.
  const laterKey = { [key]: beyond(at) } as LaterKey<K>;
  const sameKeyLaterId = { [key]: at, id: beyond(after.id) } as SameKeyLaterId<K>;
  return { $or: [laterKey, sameKeyLaterId] };
}
