import { z } from 'zod';

export const CHANNEL_TYPE_NAMES = [
  'email',
  'webhook',
  'slack',
  'pagerduty',
  'opsgenie',
  'msteams',
  'discord',
  'telegram',
  'ntfy',
] as const;

export const ALERT_KINDS = [
  'down',
  'degraded',
  'up',
  'test',
  'reminder',
  'certificate',
  'partial',
] as const;
export const ALERT_STATUSES = ['pending', 'sent', 'failed'] as const;

/** A channel as the API returns it: `config` without its write-only secrets. */
export const ChannelSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  type: z.enum(CHANNEL_TYPE_NAMES),
  config: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type Channel = z.output<typeof ChannelSchema>;

/** One notification: what was sent where, and how delivery went. */
export const AlertSchema = z.object({
  id: z.uuid(),
  incidentId: z.uuid().nullable(),
  monitorId: z.uuid().nullable(),
  channelId: z.uuid(),
  kind: z.enum(ALERT_KINDS),
  status: z.enum(ALERT_STATUSES),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  sentAt: z.iso.datetime({ offset: true }).nullable(),
  escalationStep: z.number().int().nullable().meta({
    description:
      'For an alert an escalation step sent: the step, 1 for the first of `alertPolicy.escalation`; null otherwise.',
  }),
});
export type Alert = z.output<typeof AlertSchema>;

export const ChannelCreateSchema = z
  .object({
    name: z
      .string({ message: 'must be a string' })
      .trim()
      .min(1, 'is required')
      .max(200, 'must be at most 200 characters'),
    type: z.enum(CHANNEL_TYPE_NAMES, {
      message: `must be one of ${CHANNEL_TYPE_NAMES.join(', ')}`,
    }),
    config: z.record(z.string(), z.unknown(), { message: 'must be an object' }),
  })
  .strict();
export type ChannelCreateInput = z.output<typeof ChannelCreateSchema>;

/** `config` merges field by field, so a patch need not repeat a secret it does not change. */
export const ChannelPatchSchema = ChannelCreateSchema.omit({ type: true }).partial().strict();
export type ChannelPatchInput = z.output<typeof ChannelPatchSchema>;

export const OwnedChannelRequestSchema = z
  .object({ ownerId: z.uuid(), channelId: z.uuid() })
  .strict();
export const CreateChannelRequestSchema = z
  .object({ ownerId: z.uuid(), body: ChannelCreateSchema })
  .strict();
export const UpdateChannelRequestSchema = z
  .object({ ownerId: z.uuid(), channelId: z.uuid(), body: ChannelPatchSchema })
  .strict();
export const ListChannelsRequestSchema = z.object({ ownerId: z.uuid() }).strict();

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

/** `GET /alerts` query. */
export const AlertQuerySchema = z
  .object({
    monitorId: z.uuid({ message: 'must be a monitor id (UUID)' }).optional(),
    channelId: z.uuid({ message: 'must be a channel id (UUID)' }).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.coerce
      .number({ message: 'must be a number' })
      .int()
      .min(1, 'must be at least 1')
      .max(500, 'must be at most 500')
      .default(50),
    cursor: z.string().max(512).optional(),
  })
  .strict();
export type AlertQuery = z.output<typeof AlertQuerySchema>;
export const ListAlertsRequestSchema = AlertQuerySchema.extend({ ownerId: z.uuid() }).strict();

/** `DELETE /alerts/{id}`, or every alert of a monitor or of a channel. */
export const DeleteAlertsQuerySchema = z
  .object({
    monitorId: z.uuid({ message: 'must be a monitor id (UUID)' }).optional(),
    channelId: z.uuid({ message: 'must be a channel id (UUID)' }).optional(),
  })
  .strict();
export const DeleteAlertsRequestSchema = DeleteAlertsQuerySchema.extend({
  ownerId: z.uuid(),
  alertId: z.uuid().optional(),
}).strict();
