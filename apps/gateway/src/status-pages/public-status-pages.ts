import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { NATS_CONNECTION, ProblemError } from '@uptime/bus';
import {
  type DailyFigures,
  MAX_STATUS_PAGE_INCIDENTS,
  MetricsSubjects,
  NotifierSubjects,
  type PublicIncident,
  type PublicStatusPage,
  type PublishedStatusPage,
  Problems,
  RegistryNotices,
  RegistryStatusPageSubjects,
  STATUS_PAGE_DAYS,
  StatusPageChangedSchema,
  StatusPageSlugSchema,
} from '@uptime/contracts';
import type { NatsConnection, Subscription } from 'nats';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { onReconnect } from '../access/reconnects';
import { METRICS_CLIENT, type MetricsClient } from '../metrics-client';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';
import { type BuiltPageLimits, BuiltPages } from './built-pages';
import { uptimeOverDays } from './daily-uptime';
import { renderStatusPage } from './status-page-html';

/** How long a built page is served before it is built again: the page's "cached briefly". */
export const STATUS_PAGE_CACHE_SECONDS = 30;
const DAY_MS = 86_400_000;

/** Overrides the built pages' limits (tests shorten them); `DEFAULT_LIMITS` otherwise. */
export const STATUS_PAGE_LIMITS = Symbol('STATUS_PAGE_LIMITS');

const DEFAULT_LIMITS: BuiltPageLimits = {
  ttlMs: STATUS_PAGE_CACHE_SECONDS * 1000,
  // Rebuilt from 20 s on: a page read at least every 10 s is never waited for.
  refreshAfterMs: 20_000,
  // Slugs (found or not): bounds memory against a scan of random slugs.
  maxPages: 2_000,
  // The worst page keeps ~0.7 MB at 50 monitors, ~1.4 MB at 100 (HTML, its gzip, JSON): at
  // least 45 of those, hundreds of typical ones.
  maxBytes: 64 * 1024 * 1024,
  now: Date.now,
};

/** One representation of a page as sent: its bytes and their validator, both made once. */
export interface SentBody {
  bytes: Buffer;
  /** Strong ETag of exactly these bytes: a revisit gets 304 without hashing anything. */
  etag: string;
}

/** A built page as sent: JSON, HTML, and the HTML gzipped (what every browser asks for). */
export interface BuiltStatusPage {
  json: SentBody;
  html: SentBody;
  gzipped: SentBody;
}

/** A built page, or the fact that the slug names no public page. */
type Built = ({ found: true } & BuiltStatusPage) | { found: false };

/**
 * Public status pages, built from the registry (the page and its monitors' names), the metrics
 * service (latest outcome and 90 days of daily figures, one query each for the whole page) and
 * the notifier (its incidents of 90 days), then kept at most 30 s from the start of their build
 * and rebuilt in the background from 20 s on: a page opened by many visitors costs one build per
 * 20–30 s per gateway replica, and once built no visitor waits for a build again while it is
 * read. A request served from what is kept does no work beyond writing the bytes: JSON,
 * rendering, gzip and ETags are made once per build. An unknown slug is kept too, so random
 * slugs cannot turn visitors into registry load.
 */
@Injectable()
export class PublicStatusPages implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PublicStatusPages.name);
  private readonly built: BuiltPages<Built>;
  private subscription?: Subscription;
  private stopWatch?: () => void;

  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(METRICS_CLIENT) private readonly metrics: MetricsClient,
    @Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Optional() @Inject(STATUS_PAGE_LIMITS) limits: BuiltPageLimits = DEFAULT_LIMITS,
  ) {
    this.built = new BuiltPages<Built>(
      limits,
      (slug) => this.build(slug, new Date(limits.now())),
      sizeOf,
      (slug, err) =>
        this.logger.warn(
          `status page ${slug}: rebuilding failed, serving the kept page until it expires: ${String(err)}`,
        ),
    );
  }

  /**
   * The registry's notice of a page's change (made here or on another replica) forgets its
   * slugs; one that cannot be read may have named any page, and a notice missed while the
   * connection was down may have too: then every page is forgotten.
   */
  onModuleInit(): void {
    this.subscription = this.nc.subscribe(RegistryNotices.statusPageChanged, {
      callback: (err, msg) => {
        if (err) return this.logger.warn(`${RegistryNotices.statusPageChanged}: ${err.message}`);
        const notice = StatusPageChangedSchema.safeParse(parsedJson(msg.data));
        if (!notice.success) return this.built.forgetAll();
        for (const slug of notice.data.slugs) this.built.forget(slug);
      },
    });
    this.stopWatch = onReconnect(this.nc, () => this.built.forgetAll());
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    this.stopWatch?.();
  }

  /** The page as sent, or a 404 problem when the slug names no public page. */
  async page(slug: string): Promise<BuiltStatusPage> {
    // Not a slug at all: no lookup, and nothing kept for it.
    if (!StatusPageSlugSchema.safeParse(slug).success) throw notFound();
    const built = await this.built.get(slug);
    if (!built.found) throw notFound();
    return built;
  }

  /** The page changed on this replica: its next request builds it anew. */
  forget(slug: string): void {
    this.built.forget(slug);
  }

  /** Pages and bytes kept now. */
  get kept(): { pages: number; bytes: number } {
    return this.built.size;
  }

  private async build(slug: string, now: Date): Promise<Built> {
    let published: PublishedStatusPage;
    try {
      published = await this.registry.request(RegistryStatusPageSubjects.published, { slug });
    } catch (err) {
      if (err instanceof ProblemError && err.problem.status === 404) return { found: false };
      throw err;
    }
    const json = await this.figures(published, now);
    const html = Buffer.from(renderStatusPage(json));
    return {
      found: true,
      json: sent(Buffer.from(JSON.stringify(json))),
      html: sent(html),
      gzipped: sent(gzipSync(html)),
    };
  }

  private async figures(published: PublishedStatusPage, now: Date): Promise<PublicStatusPage> {
    const monitorIds = published.monitors.map((m) => m.id);
    const [latest, daily, incidents] = await Promise.all([
      this.metrics.request(MetricsSubjects.latest, { monitorIds }),
      this.metrics.request(MetricsSubjects.dailyUptime, { monitorIds, days: STATUS_PAGE_DAYS }),
      this.notifier.request(NotifierSubjects.recentIncidents, {
        ownerId: published.page.ownerId,
        monitorIds,
        since: new Date(now.getTime() - STATUS_PAGE_DAYS * DAY_MS).toISOString(),
        limit: MAX_STATUS_PAGE_INCIDENTS,
      }),
    ]);
    const outcomes = new Map(latest.items.map((l) => [l.monitorId, l.outcome]));
    const days = new Map(daily.items.map((d) => [d.monitorId, d.days]));
    const names = new Map(published.monitors.map((m) => [m.id, m.name]));
    const monitors = published.monitors.map(({ id, name }) => {
      const figures = days.get(id) ?? [];
      return {
        id,
        name,
        status: outcomes.get(id) ?? ('unknown' as const),
        uptimeDays: figures.map(uptimeOf),
        days: figures,
      };
    });
    return {
      title: published.page.title,
      description: published.page.description,
      status: pageStatus(monitors.map((m) => m.status)),
      monitors,
      incidents: incidents.items.map((incident: PublicIncident) => ({
        ...incident,
        monitorName: names.get(incident.monitorId) ?? '',
      })),
      generatedAt: now.toISOString(),
    };
  }
}

function parsedJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return undefined;
  }
}

function sent(bytes: Buffer): SentBody {
  return { bytes, etag: `"${createHash('sha1').update(bytes).digest('base64url')}"` };
}

function sizeOf(built: Built): number {
  // A slug kept as not found costs its key and entry: counted as a small page.
  if (!built.found) return 256;
  return built.json.bytes.length + built.html.bytes.length + built.gzipped.bytes.length;
}

function notFound(): ProblemError {
  return new ProblemError(Problems.notFound('The status page'));
}

/** The day's uptime in percent, to 3 decimals. */
function uptimeOf(day: DailyFigures): number | null {
  const { ratio } = uptimeOverDays([day]);
  return ratio === null ? null : Math.round(ratio * 100_000) / 1000;
}

/** Every monitor up: operational; all down: a major outage; some: partial; slow ones: degraded. */
export function pageStatus(
  statuses: readonly PublicStatusPage['monitors'][number]['status'][],
): PublicStatusPage['status'] {
  const known = statuses.filter((s) => s !== 'unknown');
  if (known.length === 0) return 'unknown';
  const down = known.filter((s) => s === 'down').length;
  if (down === known.length) return 'major_outage';
  if (down > 0) return 'partial_outage';
  if (known.includes('degraded')) return 'degraded';
  return 'operational';
}
