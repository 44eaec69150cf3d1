import { BusClient, ProblemError } from '@uptime/bus';
import {
  MetricsSubjects,
  NotifierSubjects,
  type PublicStatusPage,
  type PublishedStatusPage,
  RegistryNotices,
  RegistryStatusPageSubjects,
} from '@uptime/contracts';
import { connect, JSONCodec, type Msg, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { NATS_URL } from '../../../../test/support/services';
import { waitFor } from '../../../../test/support/wait-for';
import type { BuiltPageLimits } from './built-pages';
import { PublicStatusPages } from './public-status-pages';

const packets = JSONCodec<{ id: string; data: { slug?: string } }>();
const replies = JSONCodec();

/**
 * Stands in for the registry, metrics and notifier on the real NATS, speaking Nest's
 * request/reply packets: it publishes the pages a test gives it (by slug), counts every
 * question, and holds its registry answers back while a test says so (a slow registry).
 */
class PageSources {
  readonly published = new Map<string, PublishedStatusPage>();
  /** Registry questions, by slug. */
  readonly asked: string[] = [];
  private held: (() => void)[] | undefined;

  constructor(nc: NatsConnection) {
    nc.subscribe(RegistryStatusPageSubjects.published, { callback: (_, m) => this.page(m) });
    nc.subscribe(MetricsSubjects.latest, { callback: (_, m) => answer(m, { items: [] }) });
    nc.subscribe(MetricsSubjects.dailyUptime, { callback: (_, m) => answer(m, { items: [] }) });
    nc.subscribe(NotifierSubjects.recentIncidents, {
      callback: (_, m) => answer(m, { items: [] }),
    });
  }

  /** Registry answers wait until `release`. */
  hold(): void {
    this.held = [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const send of held) send();
  }

  publish(slug: string, title: string): void {
    const now = new Date().toISOString();
    this.published.set(slug, {
      page: {
        id: randomUUID(),
        ownerId: randomUUID(),
        slug,
        title,
        description: null,
        monitorIds: [],
        public: true,
        createdAt: now,
        updatedAt: now,
      },
      monitors: [],
    });
  }

  private page(m: Msg): void {
    const { data } = packets.decode(m.data);
    this.asked.push(data.slug!);
    // Read when answered, not when asked: a page unpublished while held answers 404.
    const send = () => {
      const page = this.published.get(data.slug!);
      if (page) answer(m, page);
      else refuse(m, { type: '/problems/not-found', title: 'Not found', status: 404 });
    };
    if (this.held) this.held.push(send);
    else send();
  }
}

function answer(m: Msg, response: unknown): void {
  const { id } = packets.decode(m.data);
  m.respond(replies.encode({ id, isDisposed: true, response }));
}

function refuse(m: Msg, err: unknown): void {
  const { id } = packets.decode(m.data);
  m.respond(replies.encode({ id, isDisposed: true, err }));
}

describe('PublicStatusPages', () => {
  let nc: NatsConnection;
  let sourcesNc: NatsConnection;
  const running: PublicStatusPages[] = [];
  let sources: PageSources;
  let client: BusClient;
  let clock = Date.parse('2026-03-01T12:00:00Z');
  const limits: BuiltPageLimits = {
    ttlMs: 30_000,
    refreshAfterMs: 20_000,
    maxPages: 100,
    maxBytes: 10 * 1024 * 1024,
    now: () => clock,
  };
  const slug = () => `page-${randomUUID().slice(0, 8)}`;
  const notFound = (err: unknown) => err instanceof ProblemError && err.problem.status === 404;
  const titleOf = async (pages: PublicStatusPages, s: string) =>
    (JSON.parse((await pages.page(s)).json.bytes.toString()) as PublicStatusPage).title;

  before(async () => {
    nc = await connect({ servers: NATS_URL });
    sourcesNc = await connect({ servers: NATS_URL });
    sources = new PageSources(sourcesNc);
    await sourcesNc.flush();
    client = BusClient.connect(NATS_URL, 'public-status-pages-spec', 2000);
  });
  after(async () => {
    for (const pages of running) pages.onModuleDestroy();
    await client?.close();
    await sourcesNc?.close();
    await nc?.close();
  });

  const started = async () => {
    const pages = new PublicStatusPages(client, client, client, nc, limits);
    pages.onModuleInit();
    running.push(pages);
    await nc.flush();
    return pages;
  };

  /** What the registry publishes after a change committed (from any replica's request). */
  async function notice(payload: unknown): Promise<void> {
    sourcesNc.publish(
      RegistryNotices.statusPageChanged,
      typeof payload === 'string' ? payload : JSON.stringify(payload),
    );
    await sourcesNc.flush();
    await nc.flush();
  }

  it('should build the JSON, the HTML and its gzip once, each with the ETag of its bytes', async () => {
    const pages = await started();
    const s = slug();
    sources.publish(s, 'Acme & Co');
    const page = await pages.page(s);
    assert.equal(JSON.parse(page.json.bytes.toString()).title, 'Acme & Co');
    assert.match(page.html.bytes.toString(), /<h1>Acme &#38; Co<\/h1>/);
    assert.deepEqual(gunzipSync(page.gzipped.bytes), page.html.bytes);
    const etags = [page.json.etag, page.html.etag, page.gzipped.etag];
    assert.equal(new Set(etags).size, 3);
    for (const etag of etags) assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/);
    assert.equal(await pages.page(s), page, 'served as kept');
    assert.deepEqual(
      sources.asked.filter((a) => a === s),
      [s],
    );
  });

  it('should ask the registry once when many visitors open a page nobody has built', async () => {
    const pages = await started();
    const s = slug();
    sources.publish(s, 'Busy');
    sources.hold();
    const visitors = Array.from({ length: 100 }, () => pages.page(s));
    await waitFor('the registry asked', () => sources.asked.includes(s), 2000);
    sources.release();
    const served = await Promise.all(visitors);
    assert.ok(served.every((p) => p === served[0]));
    assert.deepEqual(
      sources.asked.filter((a) => a === s),
      [s],
    );
  });

  it('should show a change whose notice it missed within 30 s, and no visitor waits for it', async () => {
    const pages = await started();
    const s = slug();
    sources.publish(s, 'Before');
    assert.equal(await titleOf(pages, s), 'Before');
    sources.publish(s, 'After');
    clock += 19_000;
    assert.equal(await titleOf(pages, s), 'Before', 'younger than 20 s: as kept');
    clock += 1_000;
    sources.hold();
    // From 20 s on, served at once while the rebuild waits for the registry.
    assert.equal(await titleOf(pages, s), 'Before');
    assert.equal(await titleOf(pages, s), 'Before');
    sources.release();
    await waitFor('the rebuilt page', async () => (await titleOf(pages, s)) === 'After', 2000);
    assert.deepEqual(
      sources.asked.filter((a) => a === s),
      [s, s],
    );
  });

  it('should answer 404 within 30 s for a page unpublished without a notice heard, even when nobody read it in between', async () => {
    const pages = await started();
    const s = slug();
    sources.publish(s, 'Soon private');
    await pages.page(s);
    sources.published.delete(s);
    clock += 30_000;
    await assert.rejects(pages.page(s), notFound);
  });

  it('should answer 404 at once for a page this replica changed, even while its rebuild is running', async () => {
    const pages = await started();
    const s = slug();
    sources.publish(s, 'Public');
    await pages.page(s);
    clock += 25_000;
    sources.hold();
    await pages.page(s);
    // Made private here: the controller forgets it; the rebuild begun before is not kept.
    sources.published.delete(s);
    pages.forget(s);
    const after = pages.page(s);
    sources.release();
    await assert.rejects(after, notFound);
    await assert.rejects(pages.page(s), notFound);
  });

  it('should forget the pages a registry notice names, at once: a page made private elsewhere reads 404', async () => {
    const pages = await started();
    const [gone, renamed, other] = [slug(), slug(), slug()];
    for (const s of [gone, renamed, other]) {
      sources.publish(s, s);
      await pages.page(s);
    }
    sources.published.delete(gone);
    sources.publish(renamed, 'Renamed');
    await notice({ slugs: [gone, renamed] });
    await assert.rejects(pages.page(gone), notFound);
    assert.equal(await titleOf(pages, renamed), 'Renamed');
    const asked = sources.asked.length;
    await pages.page(other);
    assert.equal(sources.asked.length, asked, 'a page the notice did not name stays kept');
  });

  it('should forget every page on a notice it cannot read, since it may have named any', async () => {
    const pages = await started();
    const s = slug();
    sources.publish(s, 'Kept');
    await pages.page(s);
    assert.equal(pages.kept.pages, 1);
    await notice('{not json');
    assert.deepEqual(pages.kept, { pages: 0, bytes: 0 });
    await pages.page(s);
    await notice({ slugs: 'not a list' });
    assert.deepEqual(pages.kept, { pages: 0, bytes: 0 });
  });

  it('should refuse what is not a slug without asking anyone, and keep nothing for it', async () => {
    const pages = await started();
    const before = sources.asked.length;
    await assert.rejects(pages.page('No Such/Slug'), notFound);
    assert.equal(sources.asked.length, before);
    assert.deepEqual(pages.kept, { pages: 0, bytes: 0 });
  });
});
