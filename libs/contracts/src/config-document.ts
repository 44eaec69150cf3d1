import { z } from 'zod';
import { CHANNEL_TYPE_NAMES } from './channels';
import {
  crossFieldErrors,
  DEFAULT_ALERT_POLICY,
  MAX_MONITORS_PER_BULK,
  type MonitorCreateInput,
  MonitorCreateSchema,
  KeywordSchema,
  MonitorKeySchema,
  type MonitorSpec,
  monitorSpecFromCreate,
  repeats,
  validateMonitorCreate,
  type Validated,
} from './monitor';
import { type FieldError, fieldErrorsOf } from './problem';

/**
 * Monitors as code: a team's monitors as one document (YAML or JSON) that `GET /config/export`
 * writes and `POST /config/apply` makes true. Monitors are matched by `key`; a field left out
 * takes the same default as `POST /monitors` gives it, so exporting and applying again changes
 * nothing. Status pages and maintenance windows join the document when they exist.
 */
export const CONFIG_DOCUMENT_VERSION = 1;
/** One apply is one transaction and its request one NATS message: a bulk create's bound. */
export const MAX_DOCUMENT_MONITORS = MAX_MONITORS_PER_BULK;
export const MAX_DOCUMENT_CHANNELS = 1000;

const channelName = z
  .string({ message: 'must be a channel name' })
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

const keywordShorthand = KeywordSchema.shape.value;

/** The fields of `POST /monitors`, with `channels` by name instead of `channelIds`. */
const { key: _key, channelIds: _channelIds, ...monitorShape } = MonitorCreateSchema.shape;

export const DocumentMonitorSchema = z
  .object({
    key: MonitorKeySchema.meta({
      description:
        'What the monitor is matched by when the document is applied; unique in the document ' +
        'and among your monitors. Changing it is a delete (with prune) and a create.',
    }),
    ...monitorShape,
    // The shorthand spelled out, so that the JSON Schema editors read accepts it too.
    keyword: z
      .union([keywordShorthand, KeywordSchema], {
        message: 'must be a string, or { value, mode } with mode present or absent',
      })
      .nullable()
      .optional()
      .transform((k) => (typeof k === 'string' ? { value: k, mode: 'present' as const } : k))
      .meta({ description: 'A string to look for in the body, or { value, mode: absent }.' }),
    channels: z.array(channelName).max(20, 'must have at most 20 channels').optional().meta({
      description:
        'Names of channels of your team that alert for this monitor; each must exist (apply does not create channels).',
    }),
  })
  .strict()
  .meta({
    description:
      'A monitor, with the fields of POST /monitors (a field left out takes its default) and channels by name.',
  });
export type DocumentMonitor = z.output<typeof DocumentMonitorSchema>;
export type DocumentMonitorInput = z.input<typeof DocumentMonitorSchema>;

export const DocumentChannelSchema = z
  .object({
    name: channelName,
    type: z.enum(CHANNEL_TYPE_NAMES, {
      message: `must be one of ${CHANNEL_TYPE_NAMES.join(', ')}`,
    }),
    config: z.record(z.string(), z.unknown(), { message: 'must be an object' }),
  })
  .strict()
  .meta({ description: 'A channel of your team as exported (without secrets); read-only.' });
export type DocumentChannel = z.output<typeof DocumentChannelSchema>;

export const ConfigDocumentSchema = z
  .object({
    version: z.literal(CONFIG_DOCUMENT_VERSION, { message: 'must be 1' }),
    monitors: z
      .array(DocumentMonitorSchema, { message: 'must be a list of monitors' })
      .max(
        MAX_DOCUMENT_MONITORS,
        `must have at most ${MAX_DOCUMENT_MONITORS} monitors; split the team's monitors`,
      )
      .default([]),
    channels: z
      .array(DocumentChannelSchema, { message: 'must be a list of channels' })
      .max(MAX_DOCUMENT_CHANNELS, `must have at most ${MAX_DOCUMENT_CHANNELS} channels`)
      .optional()
      .meta({
        description:
          "Read-only: the team's channels as exported, without secrets. Applying a document neither creates nor changes channels; monitors name them in `channels`, and each name must exist.",
      }),
  })
  .strict()
  .meta({
    title: 'Uptime configuration document',
    description:
      "A team's monitors as code. POST /api/v1/config/apply matches monitors by `key`: new keys are created, changed ones updated, and with prune=true keyed monitors missing from the document are deleted (monitors without a key never are). A field left out takes its default.",
  });
export type ConfigDocument = z.output<typeof ConfigDocumentSchema>;
export type ConfigDocumentInput = z.input<typeof ConfigDocumentSchema>;

/** A document monitor as a `POST /monitors` body, its channels resolved to ids. */
export function monitorCreateOf(
  monitor: DocumentMonitor,
  channelIds: string[],
): MonitorCreateInput {
  const { channels: _channels, ...fields } = monitor;
  return { ...fields, channelIds };
}

/**
 * Checks a whole document: its shape, each monitor's cross-field rules (as `POST /monitors`
 * would after defaults), and that no two monitors share a key or a method and URL. Errors are
 * named by path (`monitors[1].intervalSeconds`).
 */
export function validateConfigDocument(body: unknown): Validated<ConfigDocument> {
  const parsed = ConfigDocumentSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: fieldErrorsOf(parsed.error) };
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  parsed.data.monitors.forEach((monitor, i) => {
    const spec = monitorSpecFromCreate(monitorCreateOf(monitor, []));
    errors.push(
      ...crossFieldErrors(spec).map((e) => ({ ...e, field: `monitors[${i}].${e.field}` })),
    );
    errors.push(...repeats(spec, i, seen));
  });
  return errors.length ? { ok: false, errors } : { ok: true, value: parsed.data };
}

/**
 * The registry's check of what the gateway sends it (`registry.config.apply`): every monitor as
 * `POST /monitors` checks it, each with a key, no key or method and URL twice.
 */
export function validateKeyedMonitors(bodies: readonly unknown[]): Validated<KeyedSpec[]> {
  const errors: FieldError[] = [];
  const specs: KeyedSpec[] = [];
  const seen = new Map<string, number>();
  bodies.forEach((body, i) => {
    const validated = validateMonitorCreate(body);
    if (!validated.ok) {
      errors.push(...validated.errors.map((e) => ({ ...e, field: `monitors[${i}].${e.field}` })));
      return;
    }
    const spec = validated.value;
    if (spec.key === null) {
      errors.push({ field: `monitors[${i}].key`, message: 'is required' });
      return;
    }
    errors.push(...repeats(spec, i, seen));
    specs.push({ ...spec, key: spec.key });
  });
  return errors.length ? { ok: false, errors } : { ok: true, value: specs };
}

export type KeyedSpec = MonitorSpec & { key: string };

/** The fields a document states for a monitor besides `key`, `name` and `url`, in spec order. */
const OPTIONAL_DOCUMENT_FIELDS = [
  'type',
  'method',
  'headers',
  'body',
  'intervalSeconds',
  'timeoutMs',
  'expectedStatus',
  'followRedirects',
  'maxLatencyMs',
  'keyword',
  'assertions',
  'dns',
  'alertPolicy',
  'regions',
  'paused',
  'tls',
  'heartbeat',
] as const satisfies readonly (keyof MonitorSpec)[];

/**
 * A monitor as a document states it: `key`, `name`, `url`, then only the fields that differ from
 * their defaults, and channels by name. Applying it gives back exactly `spec`.
 */
export function documentMonitorOf(
  spec: MonitorSpec,
  key: string,
  channels: string[],
): DocumentMonitorInput {
  const defaults = monitorSpecFromCreate({
    name: spec.name,
    url: spec.url,
    intervalSeconds: spec.intervalSeconds,
  });
  // A heartbeat monitor's URL is its id (`heartbeat://<id>`), which a document does not state.
  const monitor: Record<string, unknown> =
    spec.type === 'heartbeat' ? { key, name: spec.name } : { key, name: spec.name, url: spec.url };
  for (const field of OPTIONAL_DOCUMENT_FIELDS) {
    if (field === 'alertPolicy') {
      const policy = changedPolicy(spec.alertPolicy);
      if (Object.keys(policy).length) monitor.alertPolicy = policy;
    } else if (field === 'keyword' && spec.keyword?.mode === 'present') {
      monitor.keyword = spec.keyword.value;
    } else if (field === 'intervalSeconds' || !sameJsonValue(spec[field], defaults[field])) {
      // The interval is always stated: it is what a reader looks for, and timeoutMs's default.
      monitor[field] = spec[field];
    }
  }
  if (channels.length) monitor.channels = channels;
  return monitor as DocumentMonitorInput;
}

function changedPolicy(policy: MonitorSpec['alertPolicy']): Partial<MonitorSpec['alertPolicy']> {
  return Object.fromEntries(
    Object.entries(policy).filter(
      ([field, value]) => !sameJsonValue(DEFAULT_ALERT_POLICY[field as keyof typeof policy], value),
    ),
  );
}

/**
 * Whether two JSON values are equal, whatever the order of their objects' keys: PostgreSQL's
 * jsonb gives a stored object (`dns`, `keyword`, `headers`) back with its keys in its own order,
 * which is no change of the monitor.
 */
export function sameJsonValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(withSortedKeys(a)) === JSON.stringify(withSortedKeys(b));
}

function withSortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSortedKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, v]) => [key, withSortedKeys(v)]));
}

/** One field a plan changes: `alertPolicy` is compared field by field (`alertPolicy.windowSize`). */
export const ConfigChangeSchema = z
  .object({
    field: z.string(),
    from: z.unknown().optional(),
    to: z.unknown().optional(),
  })
  .meta({
    description:
      'A value larger than 512 bytes as JSON is shown as its size; in a plan too large for one message, changes name their fields only.',
  });
export type ConfigChange = z.output<typeof ConfigChangeSchema>;

/** The fields whose change a plan shows, in the order it lists them. */
const COMPARED_FIELDS = ['key', 'name', 'url', ...OPTIONAL_DOCUMENT_FIELDS, 'channelIds'] as const;

/** What changes from `current` to `next`, field by field; empty when they are the same. */
export function specChanges(current: MonitorSpec, next: MonitorSpec): ConfigChange[] {
  return COMPARED_FIELDS.flatMap((field): ConfigChange[] => {
    if (field === 'alertPolicy') {
      return Object.keys(next.alertPolicy).flatMap((sub) => {
        const name = sub as keyof MonitorSpec['alertPolicy'];
        const [from, to] = [current.alertPolicy[name], next.alertPolicy[name]];
        // Compared as values: `escalation` is a list.
        return sameJsonValue(from, to) ? [] : [{ field: `alertPolicy.${sub}`, from, to }];
      });
    }
    const [from, to] = [current[field], next[field]];
    return sameJsonValue(from, to) ? [] : [{ field, from, to }];
  });
}

/**
 * What applying a document does (or, in a dry run, would do). Creates and deletes name the
 * monitor; updates list each changed field; `unchanged` lists the keys left as they were.
 */
export const ConfigPlanSchema = z.object({
  create: z.array(
    z.object({
      key: z.string(),
      id: z.uuid().optional().meta({ description: 'Set once applied.' }),
    }),
  ),
  update: z.array(
    z.object({ key: z.string(), id: z.uuid(), changes: z.array(ConfigChangeSchema) }),
  ),
  delete: z.array(z.object({ key: z.string(), id: z.uuid() })),
  unchanged: z.array(z.string()),
  applied: z.boolean().meta({ description: 'False in a dry run: nothing was changed.' }),
});
export type ConfigPlan = z.output<typeof ConfigPlanSchema>;

/** `POST /config/apply` query. */
export const ConfigApplyQuerySchema = z
  .object({
    dryRun: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true')
      .meta({ description: 'Answer the plan without changing anything.' }),
    prune: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true')
      .meta({
        description:
          'Also delete your keyed monitors the document does not list (monitors without a key are never deleted).',
      }),
  })
  .strict();
export type ConfigApplyQuery = z.output<typeof ConfigApplyQuerySchema>;

/** `registry.config.apply`: monitors as `POST /monitors` bodies, each with a key, channels as ids. */
export const ApplyConfigRequestSchema = z
  .object({
    ownerId: z.uuid(),
    monitors: z.array(z.unknown()).max(MAX_DOCUMENT_MONITORS),
    prune: z.boolean(),
    dryRun: z.boolean(),
  })
  .strict();
