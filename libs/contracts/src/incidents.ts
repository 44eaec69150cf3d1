import { z } from 'zod';
import { pageFields } from './monitor-requests';

export const INCIDENT_STATES = ['open', 'resolved'] as const;
export const INCIDENT_KINDS = ['down', 'degraded', 'certificate', 'partial'] as const;
export const INCIDENT_EVENTS = ['opened', 'reminded', 'resolved', 'escalated'] as const;

/** An incident as the API returns it. */
export const IncidentSchema = z.object({
  id: z.uuid(),
  monitorId: z.uuid(),
  state: z.enum(INCIDENT_STATES),
  kind: z.enum(INCIDENT_KINDS),
  startedAt: z.iso.datetime({ offset: true }),
  resolvedAt: z.iso.datetime({ offset: true }).nullable(),
  /** The first failing result. */
  cause: z.record(z.string(), z.unknown()),
  timeline: z.array(
    z.object({
      at: z.iso.datetime({ offset: true }),
      event: z.enum(INCIDENT_EVENTS),
      checkId: z.uuid().nullable(),
      message: z.string(),
    }),
  ),
});
export type Incident = z.output<typeof IncidentSchema>;

export const IncidentQuerySchema = z
  .object({
    state: z.enum(INCIDENT_STATES, { message: 'must be open or resolved' }).optional(),
    ...pageFields,
  })
  .strict();
export type IncidentQuery = z.output<typeof IncidentQuerySchema>;

export const ListIncidentsRequestSchema = IncidentQuerySchema.extend({
  ownerId: z.uuid(),
  monitorId: z.uuid().optional(),
}).strict();
export type ListIncidentsRequest = z.output<typeof ListIncidentsRequestSchema>;

/** What one region answered in a decided slot. */
export const RegionAnswerSchema = z.object({
  region: z.string(),
  outcome: z.enum(['up', 'degraded', 'down']),
  errorKind: z.string().nullable(),
});

/**
 * The notifier's verdict on a monitor's latest decided slot (monitors with two regions or more):
 * `down` when at least the quorum of regions failed, `partial` when fewer did.
 */
export const SlotVerdictSchema = z.object({
  monitorId: z.uuid(),
  scheduledAt: z.iso.datetime({ offset: true }),
  status: z.enum(['up', 'degraded', 'partial', 'down']),
  regions: z.array(RegionAnswerSchema),
});
export type SlotVerdict = z.output<typeof SlotVerdictSchema>;

export const SlotVerdictsRequestSchema = z
  .object({ ownerId: z.uuid(), monitorIds: z.array(z.uuid()).max(1000) })
  .strict();
export type SlotVerdictsRequest = z.output<typeof SlotVerdictsRequestSchema>;
export const SlotVerdictsReplySchema = z.object({ items: z.array(SlotVerdictSchema) });
