import { z } from 'zod';
import { monitorIdList } from './monitor-ids';
import { isTimeZone, recurrenceProblem } from './maintenance-calendar';
import { MonitorReplySchema } from './monitor';

/**
 * Maintenance windows of a team: while one is open for a monitor, its checks go on and are
 * stored with `inMaintenance: true`, open no incident, send no alert and count in no uptime.
 * `startsAt`..`endsAt` is the first (or only) occurrence; `recurrence`, an RFC 5545 RRULE,
 * repeats it at the same wall-clock time in `timeZone` (see maintenance-calendar.ts).
 */
export const MAX_MAINTENANCE_WINDOWS_PER_TEAM = 100;
export const MAX_MAINTENANCE_MONITORS = 500;
/** The longest occurrence: a window is maintenance, not a way to switch a monitor off. */
export const MAX_MAINTENANCE_DURATION_DAYS = 31;
const DAY_MS = 86_400_000;

const NameSchema = z
  .string({ message: 'must be a string' })
  .trim()
  .min(1, 'is required')
  .max(100, 'must be at most 100 characters');

const InstantSchema = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time with a time zone',
});

const MonitorIdsSchema = monitorIdList({
  atLeastOne: true,
  max: MAX_MAINTENANCE_MONITORS,
  description: "The team's monitors the window silences.",
});

const TimeZoneSchema = z
  .string({ message: 'must be a string' })
  .max(64, 'must be at most 64 characters')
  .refine(isTimeZone, 'must be an IANA time zone name, such as Europe/Berlin or UTC')
  .meta({
    description:
      'IANA time zone in which a recurrence keeps its wall-clock time across daylight-saving changes.',
  });

const RecurrenceSchema = z
  .string({ message: 'must be a string' })
  .trim()
  .min(1, 'must not be empty (leave it out, or null, for a one-off window)')
  .max(500, 'must be at most 500 characters')
  .meta({
    description:
      'RFC 5545 RRULE without DTSTART (e.g. `FREQ=WEEKLY;BYDAY=SU`): repeats the window at its start time in `timeZone`, at most hourly.',
  });

const fields = {
  name: NameSchema,
  monitorIds: MonitorIdsSchema,
  startsAt: InstantSchema.meta({ description: 'Start of the first (or only) occurrence.' }),
  endsAt: InstantSchema.meta({
    description: 'End of the first occurrence; every occurrence lasts as long.',
  }),
  recurrence: RecurrenceSchema.nullable(),
  timeZone: TimeZoneSchema,
};

type WindowTimes = {
  startsAt?: string;
  endsAt?: string;
  recurrence?: string | null;
  timeZone?: string;
};

/** The rules across fields, for a whole window (create, or PATCH merged with the stored one). */
export function maintenanceWindowProblems(
  window: WindowTimes,
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const start = Date.parse(window.startsAt ?? '');
  const end = Date.parse(window.endsAt ?? '');
  if (Number.isNaN(start) || Number.isNaN(end)) return problems;
  if (end <= start) problems.push({ field: 'endsAt', message: 'must be after startsAt' });
  else if (end - start > MAX_MAINTENANCE_DURATION_DAYS * DAY_MS)
    problems.push({
      field: 'endsAt',
      message: `must be at most ${MAX_MAINTENANCE_DURATION_DAYS} days after startsAt`,
    });
  if (window.recurrence) {
    const problem = recurrenceProblem(window.recurrence, new Date(start));
    if (problem) problems.push({ field: 'recurrence', message: problem });
  }
  return problems;
}

function checkWindow(window: WindowTimes, ctx: z.RefinementCtx): void {
  for (const { field, message } of maintenanceWindowProblems(window))
    ctx.addIssue({ code: 'custom', path: [field], message });
}

export const MaintenanceWindowCreateSchema = z
  .object({
    ...fields,
    recurrence: fields.recurrence.default(null),
    timeZone: fields.timeZone.default('UTC'),
  })
  .strict()
  .superRefine(checkWindow);
export type MaintenanceWindowCreateInput = z.output<typeof MaintenanceWindowCreateSchema>;

/** Any fields of a window; the registry checks the rules across fields on the merged window. */
export const MaintenanceWindowPatchSchema = z
  .object({
    name: fields.name.optional(),
    monitorIds: fields.monitorIds.optional(),
    startsAt: fields.startsAt.optional(),
    endsAt: fields.endsAt.optional(),
    recurrence: fields.recurrence.optional(),
    timeZone: fields.timeZone.optional(),
  })
  .strict()
  .superRefine((patch, ctx) => {
    if (patch.startsAt && patch.endsAt) checkWindow(patch, ctx);
  });
export type MaintenanceWindowPatchInput = z.output<typeof MaintenanceWindowPatchSchema>;

export const MaintenanceWindowListQuerySchema = z
  .object({
    monitorId: z
      .uuid({ message: 'must be a monitor id (UUID)' })
      .optional()
      .meta({ description: 'Only the windows that silence this monitor.' }),
  })
  .strict();
export type MaintenanceWindowListQuery = z.output<typeof MaintenanceWindowListQuerySchema>;

const isoTime = z.iso.datetime({ offset: true });

export const MaintenanceWindowSchema = z.object({
  id: z.uuid(),
  ownerId: z.uuid().meta({ description: 'The team the window belongs to.' }),
  name: z.string(),
  monitorIds: z.array(z.uuid()),
  startsAt: isoTime,
  endsAt: isoTime,
  recurrence: z.string().nullable(),
  timeZone: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type MaintenanceWindow = z.output<typeof MaintenanceWindowSchema>;

/** One occurrence of a window: what a monitor's entry shows as its next maintenance. */
export const MaintenanceOccurrenceSchema = z.object({
  id: z.uuid().meta({ description: "The window's id." }),
  name: z.string(),
  startsAt: isoTime,
  endsAt: isoTime,
});

/** `GET /monitors/{id}`'s answer: the monitor and its maintenance in progress or next (read-only). */
export const NextMaintenanceSchema = MaintenanceOccurrenceSchema.nullable().meta({
  description:
    "The monitor's maintenance window in progress, else the next to start (within a year), else null; computed, read-only.",
});

/** `GET /monitors/{id}`: the monitor with its maintenance in progress or next. */
export const MonitorEntrySchema = MonitorReplySchema.extend({
  nextMaintenance: NextMaintenanceSchema,
});
export type MonitorEntry = z.output<typeof MonitorEntrySchema>;

export const CreateMaintenanceWindowRequestSchema = z
  .object({ ownerId: z.uuid(), body: MaintenanceWindowCreateSchema })
  .strict();
export const ListMaintenanceWindowsRequestSchema = z
  .object({
    ownerId: z.uuid(),
    /** Only the windows naming this monitor. */
    monitorId: z.uuid().optional(),
  })
  .strict();
export const MaintenanceWindowRequestSchema = z
  .object({ ownerId: z.uuid(), windowId: z.uuid() })
  .strict();
export const UpdateMaintenanceWindowRequestSchema = z
  .object({ ownerId: z.uuid(), windowId: z.uuid(), body: MaintenanceWindowPatchSchema })
  .strict();

/**
 * A window's current state on the MAINTENANCE_EVENTS stream (`maintenance.changed.<windowId>`,
 * one message per subject): `window` null once it is deleted. A reader from the stream's start
 * ends with every window there is.
 */
export const MaintenanceChangedEventSchema = z.object({
  eventId: z.uuid(),
  windowId: z.uuid(),
  ownerId: z.uuid(),
  occurredAt: isoTime,
  window: MaintenanceWindowSchema.nullable(),
});
export type MaintenanceChangedEvent = z.output<typeof MaintenanceChangedEventSchema>;
