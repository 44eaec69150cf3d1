import { z } from 'zod';
import { MonitorSchema } from './monitor';

export const MONITOR_EVENT_KINDS = ['created', 'updated', 'paused', 'resumed', 'deleted'] as const;
export type MonitorEventKind = (typeof MONITOR_EVENT_KINDS)[number];

/**
 * The monitor an event carries. Events recorded before monitors carried `ownerId` may still be
 * in the compacted log (a monitor unchanged since then keeps its old event); the event's own
 * `ownerId` stands in for it, so such an event is read, not dropped.
 */
const EventMonitorSchema = MonitorSchema.extend({
  ownerId: MonitorSchema.shape.ownerId.optional(),
});

/**
 * A fact about a monitor, on the MONITOR_EVENTS stream. It carries the whole monitor so a
 * consumer never has to ask the registry; `version` grows with every change of one monitor, so
 * a consumer can drop an event older than what it already holds. A deletion's event (the
 * tombstone) carries the monitor as it was when deleted. Receivers validate all of it.
 */
export const MonitorChangedEventSchema = z
  .object({
    eventId: z.uuid(),
    kind: z.enum(MONITOR_EVENT_KINDS),
    monitorId: z.uuid(),
    ownerId: z.uuid(),
    version: z.number().int().min(1),
    occurredAt: z.iso.datetime({ offset: true }),
    monitor: EventMonitorSchema,
  })
  .transform(({ monitor, ...event }) => ({
    ...event,
    monitor: { ...monitor, ownerId: monitor.ownerId ?? event.ownerId },
  }));
export type MonitorChangedEvent = z.output<typeof MonitorChangedEventSchema>;
