import { EntityManager } from '@mikro-orm/postgresql';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContractPipe, requestCursor, rpcProblem } from '@uptime/bus';
import {
  type Alert,
  DeleteAlertsRequestSchema,
  keysetCursorAfter,
  ListAlertsRequestSchema,
  NotifierAlertSubjects,
  type Page,
  Problems,
} from '@uptime/contracts';
import { keysetAfter } from '@uptime/persistence';
import type { z } from 'zod';
import { AlertEntity } from './alert.entity';
import { AlertFilterScope } from './alert-filter-scope';
import { toAlert } from './alert-view';

/** The alert history: every notification with its delivery outcome, newest first. */
@Controller()
export class AlertsHandler {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: AlertFilterScope,
  ) {}

  @MessagePattern(NotifierAlertSubjects.list)
  async list(
    @Payload(new ContractPipe(ListAlertsRequestSchema))
    req: z.output<typeof ListAlertsRequestSchema>,
  ): Promise<Page<Alert>> {
    // An empty cursor has always meant the first page here.
    const after = requestCursor(req.cursor || undefined);
    const em = this.em.fork();
    await this.scope.assertOwned(em, req.ownerId, req);
    const createdAt = {
      ...(req.from ? { $gte: new Date(req.from) } : {}),
      ...(req.to ? { $lt: new Date(req.to) } : {}),
    };
    const rows = await em.find(
      AlertEntity,
      {
        ownerId: req.ownerId,
        ...(req.monitorId ? { monitorId: req.monitorId } : {}),
        ...(req.channelId ? { channelId: req.channelId } : {}),
        ...(Object.keys(createdAt).length ? { createdAt } : {}),
        ...keysetAfter('createdAt', after, 'desc'),
      },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: req.limit + 1 },
    );
    const items = rows.slice(0, req.limit);
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > req.limit && last ? keysetCursorAfter(last.createdAt, last.id) : null;
    return { items: items.map(toAlert), nextCursor };
  }

  /**
   * Deletes one alert by id, or all of a monitor's or a channel's (of both, when both are
   * named); answers how many went.
   */
  @MessagePattern(NotifierAlertSubjects.delete)
  async remove(
    @Payload(new ContractPipe(DeleteAlertsRequestSchema))
    req: z.output<typeof DeleteAlertsRequestSchema>,
  ): Promise<{ deleted: number }> {
    const em = this.em.fork();
    if (req.alertId) {
      const deleted = await em.nativeDelete(AlertEntity, { ownerId: req.ownerId, id: req.alertId });
      if (deleted === 0) throw rpcProblem(Problems.notFound('The alert'));
      return { deleted };
    }
    if (!req.monitorId && !req.channelId) {
      throw rpcProblem(
        Problems.validation([
          { field: 'monitorId', message: 'name a monitorId or a channelId to delete their alerts' },
        ]),
      );
    }
    await this.scope.assertOwned(em, req.ownerId, req);
    const deleted = await em.nativeDelete(AlertEntity, {
      ownerId: req.ownerId,
      ...(req.monitorId ? { monitorId: req.monitorId } : {}),
      ...(req.channelId ? { channelId: req.channelId } : {}),
    });
    return { deleted };
  }
}
