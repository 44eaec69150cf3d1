import { EntityManager } from '@mikro-orm/postgresql';
import { ChannelEntity } from '../channels/channel.entity';
import { recordChannelDeleted } from './channel-event-relay';

/**
 * A monitor saved in the moment between the gateway's channel check and the deletion reaching the
 * registry names a channel that no longer exists. When its event arrives here, the deletion is
 * recorded again for each such channel, so the registry drops it from that monitor too. Returns
 * how many were recorded (in `em`'s transaction).
 */
export async function recordDanglingChannels(
  em: EntityManager,
  ownerId: string,
  channelIds: readonly string[],
): Promise<number> {
  if (channelIds.length === 0) return 0;
  const existing = await em.find(
    ChannelEntity,
    { id: { $in: [...channelIds] }, ownerId },
    { fields: ['id'] },
  );
  const known = new Set(existing.map((c) => c.id.toLowerCase()));
  const dangling = [...new Set(channelIds)].filter((id) => !known.has(id.toLowerCase()));
  for (const id of dangling) recordChannelDeleted(em, { id, ownerId });
  return dangling.length;
}
