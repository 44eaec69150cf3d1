import { Inject, Injectable } from '@nestjs/common';
import { ProblemError } from '@uptime/bus';
import {
  type Channel,
  type ConfigApplyQuery,
  type ConfigDocument,
  type ConfigDocumentInput,
  type ConfigPlan,
  CONFIG_DOCUMENT_VERSION,
  documentMonitorOf,
  type FieldError,
  jsonShapeErrors,
  type Monitor,
  monitorCreateOf,
  NotifierChannelSubjects,
  RegistrySubjects,
  validateConfigDocument,
} from '@uptime/contracts';
import { invalid } from '../http/validation';
import { MonitorOwnership } from '../monitors/monitor-ownership';
import { RegionCheck } from '../monitors/region-check';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';
import { DocumentSource } from './document-source';

/** What one apply may send the registry: one NATS message, with room for its envelope. */
export const MAX_APPLY_BYTES = 900_000;
/** Applying up to 1,000 monitors is one transaction with an event each: more than a read's time. */
const APPLY_TIMEOUT_MS = 30_000;
const EXPORT_PAGE = 500;

/** A document with where its monitors came from, ready to be written as YAML. */
export interface ExportedDocument {
  document: ConfigDocumentInput;
  /** Keys made up for monitors that have none: applying the document sets them. */
  derivedKeys: ReadonlySet<string>;
}

/**
 * Monitors as code at the gateway: reads a document (YAML with line numbers, or JSON), checks
 * what only the gateway knows (channel names, regions), and asks the registry to plan or apply
 * it; exports the team's monitors and channels as a document that applies back unchanged.
 */
@Injectable()
export class ConfigDocumentsService {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient,
    private readonly regions: RegionCheck,
    private readonly ownership: MonitorOwnership,
  ) {}

  async export(ownerId: string): Promise<ExportedDocument> {
    const [monitors, channels] = await Promise.all([
      this.allMonitors(ownerId),
      this.channelsOf(ownerId),
    ]);
    const nameOf = new Map(channels.map((c) => [c.id, c.name]));
    const derivedKeys = new Set<string>();
    const documentMonitors = monitors.map((monitor) => {
      const key = monitor.key ?? derivedKey(monitor);
      if (monitor.key === null) derivedKeys.add(key);
      // A channel deleted a moment ago may still be listed until the registry hears of it.
      const names = monitor.channelIds.flatMap((id) => nameOf.get(id) ?? []);
      return documentMonitorOf(monitor, key, names);
    });
    documentMonitors.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const documentChannels = channels
      .map(({ name, type, config }) => ({ name, type, config }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return {
      document: {
        version: CONFIG_DOCUMENT_VERSION,
        monitors: documentMonitors,
        ...(documentChannels.length && { channels: documentChannels }),
      },
      derivedKeys,
    };
  }

  /** Checks `body` whole, then has the registry plan it (dry run) or apply it, all or nothing. */
  async apply(ownerId: string, body: unknown, query: ConfigApplyQuery): Promise<ConfigPlan> {
    const source = DocumentSource.of(body ?? {});
    const document = this.validDocument(source);
    const channels = await this.channelsOf(ownerId, document);
    const channelIds = this.resolveChannels(source, document, channels);
    const monitors = document.monitors.map((m, i) => monitorCreateOf(m, channelIds[i]!));
    const bytes = Buffer.byteLength(JSON.stringify(monitors));
    if (bytes > MAX_APPLY_BYTES) throw tooLarge(bytes);
    let plan: ConfigPlan;
    try {
      plan = await this.registry.request(
        RegistrySubjects.applyConfig,
        { ownerId, monitors, prune: query.prune, dryRun: query.dryRun },
        APPLY_TIMEOUT_MS,
      );
    } catch (err) {
      throw withLines(err, source);
    }
    // Before the answer: the caller's next read of a deleted monitor must 404.
    if (plan.applied) for (const { id } of plan.delete) this.ownership.forget(id);
    return channelsByName(plan, channels);
  }

  private validDocument(source: DocumentSource): ConfigDocument {
    const shape = jsonShapeErrors(source.value);
    if (shape.length) throw invalid(source.withLines(shape));
    const validated = validateConfigDocument(source.value);
    if (!validated.ok) throw invalid(source.withLines(validated.errors));
    const regionErrors = this.regions.unknownRegions(
      validated.value.monitors.map((m) => m.regions ?? []),
    );
    if (regionErrors.length) throw invalid(source.withLines(regionErrors));
    return validated.value;
  }

  /**
   * Each monitor's channel names as ids. A name must be one of the team's channels, and only
   * one: two channels with the same name could not be told apart.
   */
  private resolveChannels(
    source: DocumentSource,
    document: ConfigDocument,
    channels: readonly Channel[],
  ): string[][] {
    const byName = new Map<string, Channel[]>();
    for (const c of channels) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
    const errors: FieldError[] = [];
    const ids = document.monitors.map((monitor, m) =>
      (monitor.channels ?? []).flatMap((name, i) => {
        const named = byName.get(name) ?? [];
        if (named.length === 1) return [named[0]!.id];
        errors.push({
          field: `monitors[${m}].channels[${i}]`,
          message: named.length
            ? `names ${named.length} of your channels; rename one so that the name is unique`
            : `is not one of your channels (${knownNames(channels)})`,
        });
        return [];
      }),
    );
    errors.push(...unknownEscalationChannels(document, channels));
    if (errors.length) throw invalid(source.withLines(errors));
    return ids.map((list) => [...new Set(list)]);
  }

  private async allMonitors(ownerId: string): Promise<Monitor[]> {
    const monitors: Monitor[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.registry.request(RegistrySubjects.listMonitors, {
        ownerId,
        limit: EXPORT_PAGE,
        cursor,
      });
      monitors.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return monitors;
  }

  /** The team's channels; not asked for when the document names none. */
  private async channelsOf(ownerId: string, document?: ConfigDocument): Promise<Channel[]> {
    if (document && !document.monitors.some(namesChannels)) return [];
    const { items } = await this.notifier.request(NotifierChannelSubjects.list, { ownerId });
    return items;
  }
}

function namesChannels(monitor: ConfigDocument['monitors'][number]): boolean {
  return Boolean(monitor.channels?.length || monitor.alertPolicy?.escalation?.length);
}

/**
 * Escalation steps name channels by id, as the API does (the export writes them so): each must
 * be one of the team's, as a monitor's own channels must be.
 */
function unknownEscalationChannels(
  document: ConfigDocument,
  channels: readonly Channel[],
): FieldError[] {
  const owned = new Set(channels.map((c) => c.id));
  return document.monitors.flatMap((monitor, m) =>
    (monitor.alertPolicy?.escalation ?? []).flatMap((step, s) =>
      step.channelIds.flatMap((id, i) =>
        owned.has(id)
          ? []
          : [
              {
                field: `monitors[${m}].alertPolicy.escalation[${s}].channelIds[${i}]`,
                message: 'is not one of your channels',
              },
            ],
      ),
    ),
  );
}

/**
 * A key for a monitor that has none, stable across exports: its name as a slug and the start of
 * its id (names repeat, ids do not).
 */
export function derivedKey(monitor: Pick<Monitor, 'id' | 'name'>): string {
  const slug = monitor.name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents off: "Crème" → "creme", not "cre-me"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return `${slug || 'monitor'}-${monitor.id.slice(0, 8)}`;
}

/** The plan speaks the document's language: a monitor's channels by name, not by id. */
function channelsByName(plan: ConfigPlan, channels: readonly Channel[]): ConfigPlan {
  const nameOf = new Map(channels.map((c) => [c.id, c.name]));
  const names = (ids: unknown) =>
    Array.isArray(ids) ? ids.map((id: unknown) => nameOf.get(String(id)) ?? id) : ids;
  return {
    ...plan,
    update: plan.update.map((u) => ({
      ...u,
      changes: u.changes.map((c) =>
        c.field === 'channelIds'
          ? { field: 'channels', ...('from' in c && { from: names(c.from), to: names(c.to) }) }
          : c,
      ),
    })),
  };
}

/** The registry names the document's fields too (a 409 on `monitors[2].url`): add their lines. */
function withLines(err: unknown, source: DocumentSource): unknown {
  if (!(err instanceof ProblemError) || !err.problem.errors) return err;
  return new ProblemError({ ...err.problem, errors: source.withLines(err.problem.errors) });
}

function knownNames(channels: readonly Channel[]): string {
  if (!channels.length) return 'you have none';
  const names = channels.slice(0, 10).map((c) => `"${c.name}"`);
  return `yours: ${names.join(', ')}${channels.length > 10 ? ', …' : ''}`;
}

function tooLarge(bytes: number): ProblemError {
  return new ProblemError({
    type: '/problems/http-413',
    title: 'Payload too large',
    status: 413,
    detail: `The document's monitors are ${bytes} bytes as JSON, above the ${MAX_APPLY_BYTES} one apply takes; split them into several documents.`,
  });
}
