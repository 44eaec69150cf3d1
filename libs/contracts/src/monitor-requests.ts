import { z } from 'zod';
import { MonitorKeySchema, MonitorSchema, MonitorServerFieldsSchema } from './monitor';

/** Request payloads of the registry's monitor subjects; every one is scoped to its owner. */
export const OwnedMonitorRequestSchema = z
  .object({ ownerId: z.uuid(), monitorId: z.uuid() })
  .strict();
export type OwnedMonitorRequest = z.output<typeof OwnedMonitorRequestSchema>;

export const CreateMonitorRequestSchema = z
  .object({ ownerId: z.uuid(), body: z.unknown() })
  .strict();
export const CreateMonitorsRequestSchema = z
  .object({ ownerId: z.uuid(), bodies: z.array(z.unknown()).min(1).max(1000) })
  .strict();
export const UpdateMonitorRequestSchema = z
  .object({ ownerId: z.uuid(), monitorId: z.uuid(), body: z.unknown() })
  .strict();

/** `limit` and `cursor` of every list; each list adds its own filters. */
export const pageFields = {
  limit: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(500, 'must be at most 500')
    .default(50),
  cursor: z
    .string()
    .max(512, 'is not a valid cursor')
    .optional()
    .meta({ description: 'The nextCursor of the previous page.' }),
};

export const PageQuerySchema = z.object(pageFields).strict();
export type PageQuery = z.output<typeof PageQuerySchema>;

/** `GET /monitors` query: a page, or the monitor with `key` (a page of 0 or 1). */
export const MonitorListQuerySchema = PageQuerySchema.extend({
  key: MonitorKeySchema.optional().meta({
    description: 'Only the monitor with this key: a page of 0 or 1 monitor.',
  }),
}).strict();
export type MonitorListQuery = z.output<typeof MonitorListQuerySchema>;

export const ListMonitorsRequestSchema = MonitorListQuerySchema.extend({
  ownerId: z.uuid(),
}).strict();
export const ListActiveMonitorsRequestSchema = PageQuerySchema.extend({
  limit: z.number().int().min(1).max(5000).default(1000),
}).strict();
export const ListMonitorSummariesRequestSchema = PageQuerySchema.extend({
  ownerId: z.uuid(),
  limit: z.number().int().min(1).max(5000).default(1000),
}).strict();

/** Ids a batch read asks about; the answer keeps the owner's among them, in the order asked. */
export const MAX_OWNED_IDS_ASKED = 100;
export const OwnedMonitorIdsRequestSchema = z
  .object({
    ownerId: z.uuid(),
    ids: z.array(z.uuid()).max(MAX_OWNED_IDS_ASKED),
  })
  .strict();
export const OwnedMonitorIdsSchema = z.object({ ids: z.array(z.uuid()) });
export type OwnedMonitorIds = z.output<typeof OwnedMonitorIdsSchema>;

/** What an overview shows of a monitor; a page of 1,000 is ~100 kB where full monitors are ~700 kB. */
export const MonitorSummarySchema = MonitorSchema.pick({
  id: true,
  name: true,
  url: true,
  paused: true,
});
export type MonitorSummary = z.output<typeof MonitorSummarySchema>;

/**
 * The reply to a bulk create: what the registry set on each monitor, in the order of the request.
 * The asker holds the specifications it sent (validation is idempotent, so they are what was
 * stored); a thousand full monitors would not fit one message, these always do.
 */
export const CreatedMonitorsSchema = z.object({ items: z.array(MonitorServerFieldsSchema) });
export type CreatedMonitors = z.output<typeof CreatedMonitorsSchema>;

/** A page may hold fewer than `limit` items: it is also filled by bytes, to fit one message. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'Null on the last page.' }),
  });
}
export type Page<T> = z.output<ReturnType<typeof pageSchema<z.ZodType<T>>>>;
