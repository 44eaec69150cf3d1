import { Controller } from '@nestjs/common';
import { Answers } from '@uptime/bus';
import {
  type ParsedRequest,
  type PublicMonitor,
  type PublishedStatusPage,
  RegistryStatusPageSubjects,
  type StatusPage,
} from '@uptime/contracts';
import { StatusPagesService } from './status-pages.service';

type Req<S extends (typeof RegistryStatusPageSubjects)[keyof typeof RegistryStatusPageSubjects]> =
  ParsedRequest<S>;

/** Status pages over NATS request/reply; the gateway decided access (public reads need none). */
@Controller()
export class StatusPagesHandler {
  constructor(private readonly pages: StatusPagesService) {}

  @Answers(RegistryStatusPageSubjects.create)
  create(req: Req<typeof RegistryStatusPageSubjects.create>): Promise<StatusPage> {
    return this.pages.create(req.ownerId, req.body);
  }

  @Answers(RegistryStatusPageSubjects.list)
  list(req: Req<typeof RegistryStatusPageSubjects.list>): Promise<{ items: StatusPage[] }> {
    return this.pages.list(req.ownerId);
  }

  @Answers(RegistryStatusPageSubjects.get)
  get(req: Req<typeof RegistryStatusPageSubjects.get>): Promise<StatusPage> {
    return this.pages.get(req.ownerId, req.pageId);
  }

  @Answers(RegistryStatusPageSubjects.update)
  update(req: Req<typeof RegistryStatusPageSubjects.update>): Promise<StatusPage> {
    return this.pages.update(req.ownerId, req.pageId, req.body);
  }

  @Answers(RegistryStatusPageSubjects.delete)
  async remove(req: Req<typeof RegistryStatusPageSubjects.delete>): Promise<{ ok: true }> {
    await this.pages.delete(req.ownerId, req.pageId);
    return { ok: true };
  }

  @Answers(RegistryStatusPageSubjects.published)
  published(req: Req<typeof RegistryStatusPageSubjects.published>): Promise<PublishedStatusPage> {
    return this.pages.published(req.slug);
  }

  @Answers(RegistryStatusPageSubjects.publicMonitor)
  publicMonitor(req: Req<typeof RegistryStatusPageSubjects.publicMonitor>): Promise<PublicMonitor> {
    return this.pages.publicMonitor(req.monitorId);
  }
}
