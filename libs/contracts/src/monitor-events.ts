import { z } from 'zod';
import type { Monitor } from './monitor';

export const MONITOR_EVENT_KINDS = ['created', 'updated', 'paused', 'resumed', 'deleted'] as const;
export type MonitorEventKind = (typeof MONITOR_EVENT_KINDS)[number];

/**
 * A fact about a monitor, on the MONITOR_EVENTS stream. It carries the whole monitor so a
 * consumer never has to ask the registry; `version` grows with every change of one monitor, so
 * a consumer can drop an event older than what it already holds.
 */
export interface MonitorChangedEvent {
  eventId: string;
  kind: MonitorEventKind;
  monitorId: string;
  ownerId: string;
  version: number;
  occurredAt: string;
  monitor: Monitor;
}

export const MonitorChangedEventSchema = z.object({
  eventId: z.uuid(),
  kind: z.enum(MONITOR_EVENT_KINDS),
  monitorId: z.uuid(),
  ownerId: z.uuid(),
  version: z.number().int().min(1),
  occurredAt: z.string(),
  monitor: z.looseObject({ id: z.uuid(), url: z.string(), intervalSeconds: z.number() }),
});
