import { Controller } from '@nestjs/common';
import { Answers, requestCursor, rpcProblem } from '@uptime/bus';
import {
  type Alert,
  keysetCursorAfter,
  NotifierAlertSubjects,
  type Page,
  Problems,
  type ParsedRequest,
} from '@uptime/contracts';
import { AlertFilterScope } from './alert-filter-scope';
import { AlertRepository } from './alert.repository';
import { toAlert } from './alert-view';

/** The alert history: every notification with its delivery outcome, newest first. */
@Controller()
export class AlertsHandler {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly scope: AlertFilterScope,
  ) {}

  @Answers(NotifierAlertSubjects.list)
  async list(req: ParsedRequest<typeof NotifierAlertSubjects.list>): Promise<Page<Alert>> {
    // An empty cursor has always meant the first page here.
    const after = requestCursor(req.cursor || undefined);
    await this.scope.assertOwned(req.ownerId, req);
    const rows = await this.alerts.pageNewestFirst(
      {
        ownerId: req.ownerId,
        monitorId: req.monitorId,
        channelId: req.channelId,
        from: req.from ? new Date(req.from) : undefined,
        to: req.to ? new Date(req.to) : undefined,
      },
      req.limit,
      after,
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
  @Answers(NotifierAlertSubjects.delete)
  async remove(
    req: ParsedRequest<typeof NotifierAlertSubjects.delete>,
  ): Promise<{ deleted: number }> {
    if (req.alertId) {
      const deleted = await this.alerts.deleteOwned(req.ownerId, req.alertId);
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
    await this.scope.assertOwned(req.ownerId, req);
    const deleted = await this.alerts.deleteAll({
      ownerId: req.ownerId,
      monitorId: req.monitorId,
      channelId: req.channelId,
    });
    return { deleted };
  }
}
