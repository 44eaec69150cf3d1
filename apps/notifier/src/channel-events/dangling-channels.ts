import { Injectable } from '@nestjs/common';
import { ChannelRepository } from '../channels/channel.repository';
import { ChannelEventRepository } from './channel-event.repository';

/**
 * A monitor saved in the moment between the gateway's channel check and the deletion reaching the
 * registry names a channel that no longer exists. When its event arrives here, the deletion is
 * recorded again for each such channel, so the registry drops it from that monitor too.
 */
@Injectable()
export class DanglingChannels {
  constructor(
    private readonly channels: ChannelRepository,
    private readonly channelEvents: ChannelEventRepository,
  ) {}

  /** Records the deletion of each of these ids the owner has no channel for, in the caller's transaction; how many. */
  async record(ownerId: string, channelIds: readonly string[]): Promise<number> {
    if (channelIds.length === 0) return 0;
    const existing = await this.channels.ownedIdsAmong(ownerId, channelIds);
    const known = new Set(existing.map((id) => id.toLowerCase()));
    const dangling = [...new Set(channelIds)].filter((id) => !known.has(id.toLowerCase()));
    for (const id of dangling) this.channelEvents.recordDeleted({ id, ownerId });
    return dangling.length;
  }
}
