import { z } from 'zod';
import { pageFields } from './monitor-requests';

/** An incident as the API returns it. */
export interface Incident {
  id: string;
  monitorId: string;
  state: 'open' | 'resolved';
  kind: 'down' | 'degraded';
  startedAt: string;
  resolvedAt: string | null;
  /** The first failing result. */
  cause: Record<string, unknown>;
  timeline: { at: string; event: string; checkId: string | null; message: string }[];
}

export const NotifierSubjects = {
  listIncidents: 'notifier.incidents.list',
} as const;

export const IncidentQuerySchema = z
  .object({
    state: z.enum(['open', 'resolved'], { message: 'must be open or resolved' }).optional(),
    ...pageFields,
  })
  .strict();
export type IncidentQuery = z.output<typeof IncidentQuerySchema>;

export const ListIncidentsRequestSchema = IncidentQuerySchema.extend({
  ownerId: z.uuid(),
  monitorId: z.uuid().optional(),
}).strict();
export type ListIncidentsRequest = z.output<typeof ListIncidentsRequestSchema>;
