import { Injectable } from '@nestjs/common';
import { orNotFound, rpcProblem } from '@uptime/bus';
import {
  MAX_STATUS_PAGES_PER_TEAM,
  Problems,
  type PublicMonitor,
  type PublishedStatusPage,
  type StatusPage,
  type StatusPageCreateInput,
  type StatusPagePatchInput,
} from '@uptime/contracts';
import { UnitOfWork } from '@uptime/persistence';
import { TeamMonitors } from '../monitors/team-monitors';
import { StatusPageEntity } from './status-page.entity';
import { StatusPageNotices } from './status-page-notices';
import { SlugTakenError, StatusPageRepository } from './status-page.repository';

/**
 * A team's status pages. The rules: the fields' own (contracts), every monitor named one of the
 * team's, a slug no other page holds, and at most MAX_STATUS_PAGES_PER_TEAM pages a team. The
 * public reads answer 404 for a page that is not public exactly as for one that does not exist.
 */
@Injectable()
export class StatusPagesService {
  constructor(
    private readonly work: UnitOfWork,
    private readonly pages: StatusPageRepository,
    private readonly monitors: TeamMonitors,
    private readonly notices: StatusPageNotices,
  ) {}

  async create(ownerId: string, body: StatusPageCreateInput): Promise<StatusPage> {
    const entity = Object.assign(new StatusPageEntity(), {
      ownerId,
      slug: body.slug,
      title: body.title,
      description: body.description || null,
      monitorIds: [...body.monitorIds],
      public: body.public,
    });
    await this.work.transaction(async () => {
      await this.monitors.assertAllOfTeam(ownerId, body.monitorIds);
      const count = await this.pages.countLocked(ownerId);
      if (count >= MAX_STATUS_PAGES_PER_TEAM) {
        throw rpcProblem(
          Problems.quotaExceeded(
            `The team holds ${count} status pages, the most allowed; delete one first.`,
          ),
        );
      }
      await this.saved(entity);
    });
    // A visitor may have asked for the slug before: gateways keep it as not found for a while.
    await this.notices.changed([entity.slug]);
    return toStatusPage(entity);
  }

  async list(ownerId: string): Promise<{ items: StatusPage[] }> {
    return { items: (await this.pages.pagesOf(ownerId)).map(toStatusPage) };
  }

  async get(ownerId: string, pageId: string): Promise<StatusPage> {
    return toStatusPage(await this.existing(ownerId, pageId));
  }

  async update(ownerId: string, pageId: string, patch: StatusPagePatchInput): Promise<StatusPage> {
    let slugBefore = '';
    const page = await this.work.transaction(async () => {
      const entity = await this.existing(ownerId, pageId);
      slugBefore = entity.slug;
      if (patch.monitorIds) await this.monitors.assertAllOfTeam(ownerId, patch.monitorIds);
      if (patch.slug !== undefined) entity.slug = patch.slug;
      if (patch.title !== undefined) entity.title = patch.title;
      if (patch.description !== undefined) entity.description = patch.description || null;
      if (patch.monitorIds !== undefined) entity.monitorIds = [...patch.monitorIds];
      if (patch.public !== undefined) entity.public = patch.public;
      entity.updatedAt = new Date();
      await this.saved(entity);
      return toStatusPage(entity);
    });
    await this.notices.changed([slugBefore, page.slug]);
    return page;
  }

  async delete(ownerId: string, pageId: string): Promise<void> {
    const slug = await this.work.transaction(async () => {
      const entity = await this.existing(ownerId, pageId);
      await this.pages.delete(pageId);
      return entity.slug;
    });
    await this.notices.changed([slug]);
  }

  /** The slugs of the team's pages: read in the transaction that deletes the team with them. */
  async slugsWithin(ownerId: string): Promise<string[]> {
    return (await this.pages.pagesOf(ownerId)).map((page) => page.slug);
  }

  /** After a commit that removed pages (their team's deletion): gateways forget them at once. */
  async forget(slugs: string[]): Promise<void> {
    if (slugs.length) await this.notices.changed(slugs);
  }

  /** A public page and the names of its monitors that still exist, in its order. */
  async published(slug: string): Promise<PublishedStatusPage> {
    const page = orNotFound(await this.pages.findPublicBySlug(slug), 'The status page');
    const names = await this.monitors.names(page.ownerId, page.monitorIds);
    const monitors = page.monitorIds.flatMap((id) => {
      const name = names.get(id);
      return name === undefined ? [] : [{ id, name }];
    });
    return { page: toStatusPage(page), monitors };
  }

  /** A monitor its team shows on a public page; any other is unknown here (badges). */
  async publicMonitor(monitorId: string): Promise<PublicMonitor> {
    const monitor = await this.pages.findMonitor(monitorId);
    if (!monitor || !(await this.pages.isOnPublicPage(monitor.ownerId, monitor.id)))
      throw rpcProblem(Problems.notFound('The monitor'));
    return { id: monitor.id, name: monitor.name, ownerId: monitor.ownerId };
  }

  private async saved(entity: StatusPageEntity): Promise<void> {
    try {
      await this.pages.save(entity);
    } catch (err) {
      if (!(err instanceof SlugTakenError)) throw err;
      throw rpcProblem(
        Problems.validation([{ field: 'slug', message: 'is taken by another status page' }]),
      );
    }
  }

  private async existing(ownerId: string, pageId: string): Promise<StatusPageEntity> {
    return orNotFound(await this.pages.findInTeam(ownerId, pageId), 'The status page');
  }
}

function toStatusPage(page: StatusPageEntity): StatusPage {
  return {
    id: page.id,
    ownerId: page.ownerId,
    slug: page.slug,
    title: page.title,
    description: page.description,
    monitorIds: [...page.monitorIds],
    public: page.public,
    createdAt: page.createdAt.toISOString(),
    updatedAt: page.updatedAt.toISOString(),
  };
}
