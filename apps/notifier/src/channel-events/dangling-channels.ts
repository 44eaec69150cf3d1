import type { NotifierRepositories } from '../database/notifier-store';

/**
 * A monitor saved in the moment between the gateway's channel check and the deletion reaching the
 * registry names a channel that no longer exists. When its event arrives here, the deletion is
 * recorded again for each such channel, so the registry drops it from that monitor too. Returns
 * how many were recorded (in `tx`'s transaction).
 */
export async function recordDanglingChannels(
  tx: NotifierRepositories,
  ownerId: string,
  channelIds: readonly string[],
): Promise<number> {
  if (channelIds.length === 0) return 0;
  const existing = await tx.channels.ownedIdsAmong(ownerId, channelIds);
  const known = new Set(existing.map((id) => id.toLowerCase()));
  const dangling = [...new Set(channelIds)].filter((id) => !known.has(id.toLowerCase()));
  for (const id of dangling) tx.channelEvents.recordDeleted({ id, ownerId });
  return dangling.length;
}
