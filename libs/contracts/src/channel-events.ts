import { z } from 'zod';

/**
 * A channel was deleted, on the CHANNEL_EVENTS stream. The notifier records it in the same
 * transaction that deletes the channel; the registry then drops the channel from every monitor
 * of `ownerId`, which is idempotent, so a redelivered event changes nothing more.
 */
export const ChannelDeletedEventSchema = z.object({
  eventId: z.uuid(),
  kind: z.literal('deleted'),
  channelId: z.uuid(),
  ownerId: z.uuid(),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type ChannelDeletedEvent = z.output<typeof ChannelDeletedEventSchema>;
