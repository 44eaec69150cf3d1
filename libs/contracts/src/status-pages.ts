import { z } from 'zod';
import { INCIDENT_KINDS, INCIDENT_STATES } from './incidents';
import { monitorIdList } from './monitor-ids';

/**
 * Status pages of a team: a public page at `/status/{slug}` (and its JSON twin) showing chosen
 * monitors' current status, 90 daily uptime bars and their incidents. A page that is not public
 * answers 404 like a slug that does not exist. Badges show only monitors on a public page.
 */
export const MAX_STATUS_PAGES_PER_TEAM = 20;
export const MAX_STATUS_PAGE_MONITORS = 100;
export const STATUS_PAGE_DAYS = 90;
/** Incidents a public page lists at most (the newest of the last 90 days). */
export const MAX_STATUS_PAGE_INCIDENTS = 100;

const isoTime = z.iso.datetime({ offset: true });

export const StatusPageSlugSchema = z
  .string({ message: 'must be a string' })
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$/,
    'must be 3 to 64 lower-case letters, digits or hyphens, starting and ending with a letter or digit',
  )
  .meta({ description: 'The page answers at `/status/{slug}`; unique across the platform.' });

const fields = {
  slug: StatusPageSlugSchema,
  title: z
    .string({ message: 'must be a string' })
    .trim()
    .min(1, 'is required')
    .max(100, 'must be at most 100 characters'),
  description: z
    .string({ message: 'must be a string' })
    .trim()
    .max(1000, 'must be at most 1000 characters')
    .nullable(),
  monitorIds: monitorIdList({
    atLeastOne: false,
    max: MAX_STATUS_PAGE_MONITORS,
    description: "The team's monitors the page shows, in this order.",
  }),
  public: z.boolean({ message: 'must be true or false' }).meta({
    description: 'Whether anyone may open the page and its monitors’ badges; otherwise 404.',
  }),
};

export const StatusPageCreateSchema = z
  .object({
    ...fields,
    description: fields.description.default(null),
    public: fields.public.default(false),
  })
  .strict();
export type StatusPageCreateInput = z.output<typeof StatusPageCreateSchema>;

export const StatusPagePatchSchema = z.object(fields).partial().strict();
export type StatusPagePatchInput = z.output<typeof StatusPagePatchSchema>;

export const StatusPageSchema = z.object({
  id: z.uuid(),
  ownerId: z.uuid(),
  slug: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  monitorIds: z.array(z.uuid()),
  public: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type StatusPage = z.output<typeof StatusPageSchema>;

// Registry requests: the gateway decided access and names the team.
const owner = { ownerId: z.uuid() };
export const CreateStatusPageRequestSchema = z
  .object({ ...owner, body: StatusPageCreateSchema })
  .strict();
export const ListStatusPagesRequestSchema = z.object(owner).strict();
export const StatusPageRequestSchema = z.object({ ...owner, pageId: z.uuid() }).strict();
export const UpdateStatusPageRequestSchema = z
  .object({ ...owner, pageId: z.uuid(), body: StatusPagePatchSchema })
  .strict();
/** A public page by its slug: 404 when there is none or it is not public. */
export const PublishedStatusPageRequestSchema = z.object({ slug: z.string().max(64) }).strict();
/** A monitor shown on at least one public page (badges): 404 otherwise. */
export const PublicMonitorRequestSchema = z.object({ monitorId: z.uuid() }).strict();

export const PublishedMonitorSchema = z.object({ id: z.uuid(), name: z.string() });

/** The registry's notice after a page's change committed: the slugs it answered and answers. */
export const StatusPageChangedSchema = z.object({
  slugs: z.array(z.string().max(64)).min(1).max(2),
});
export type StatusPageChanged = z.output<typeof StatusPageChangedSchema>;
export const PublishedStatusPageSchema = z.object({
  page: StatusPageSchema,
  /** The page's monitors that still exist, in the page's order. */
  monitors: z.array(PublishedMonitorSchema),
});
export type PublishedStatusPage = z.output<typeof PublishedStatusPageSchema>;
export const PublicMonitorSchema = PublishedMonitorSchema.extend({ ownerId: z.uuid() });
export type PublicMonitor = z.output<typeof PublicMonitorSchema>;

// Metrics: one day per bar, from the hourly rollup.
export const DailyUptimeRequestSchema = z
  .object({
    monitorIds: z.array(z.uuid()).max(MAX_STATUS_PAGE_MONITORS),
    days: z.number().int().min(1).max(STATUS_PAGE_DAYS),
  })
  .strict();
export const DailyFiguresSchema = z.object({
  date: z.iso.date(),
  checks: z.number().int(),
  down: z.number().int(),
});
export type DailyFigures = z.output<typeof DailyFiguresSchema>;
export const DailyUptimeSchema = z.object({
  items: z.array(z.object({ monitorId: z.uuid(), days: z.array(DailyFiguresSchema) })),
});
export type DailyUptime = z.output<typeof DailyUptimeSchema>;

// Notifier: what a public page may show of incidents (no cause: it may name private details).
export const PublicIncidentSchema = z.object({
  id: z.uuid(),
  monitorId: z.uuid(),
  kind: z.enum(INCIDENT_KINDS),
  state: z.enum(INCIDENT_STATES),
  startedAt: isoTime,
  resolvedAt: isoTime.nullable(),
});
export type PublicIncident = z.output<typeof PublicIncidentSchema>;
export const RecentIncidentsRequestSchema = z
  .object({
    ownerId: z.uuid(),
    monitorIds: z.array(z.uuid()).max(MAX_STATUS_PAGE_MONITORS),
    since: isoTime,
    limit: z.number().int().min(1).max(MAX_STATUS_PAGE_INCIDENTS),
  })
  .strict();
export type RecentIncidentsRequest = z.output<typeof RecentIncidentsRequestSchema>;

// The public answer (`/api/v1/public/status-pages/{slug}`).
export const PAGE_STATUSES = [
  'operational',
  'degraded',
  'partial_outage',
  'major_outage',
  'unknown',
] as const;
export const PUBLIC_MONITOR_STATUSES = ['up', 'degraded', 'down', 'unknown'] as const;
export const PublicStatusPageSchema = z.object({
  title: z.string(),
  description: z.string().nullable(),
  status: z.enum(PAGE_STATUSES),
  monitors: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      status: z.enum(PUBLIC_MONITOR_STATUSES),
      /** 90 daily uptime percentages, oldest first; null for a day without checks. */
      uptimeDays: z.array(z.number().nullable()),
      /** The checks and failures behind each value of `uptimeDays`, same order. */
      days: z.array(DailyFiguresSchema),
    }),
  ),
  incidents: z.array(PublicIncidentSchema.extend({ monitorName: z.string() })),
  generatedAt: isoTime,
});
export type PublicStatusPage = z.output<typeof PublicStatusPageSchema>;

export const BADGE_WINDOWS = ['24h', '7d', '30d', '90d'] as const;
export const BadgeUptimeQuerySchema = z
  .object({
    window: z.enum(BADGE_WINDOWS, { message: 'must be one of 24h, 7d, 30d, 90d' }).default('24h'),
  })
  .strict();
