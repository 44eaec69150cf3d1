import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { BusClient, ProblemError, rpcProblem } from '@uptime/bus';
import { Problems, RegistrySubjects } from '@uptime/contracts';
import { ChannelEntity } from '../channels/channel.entity';
import { MonitorAlertStateEntity } from '../monitors/monitor-alert-state.entity';
import { REGISTRY_CLIENT } from '../monitors/monitor-projection';
import { AlertEntity } from './alert.entity';

export interface AlertFilter {
  monitorId?: string;
  channelId?: string;
}

/**
 * A monitor or channel named in an alert filter must be the caller's, or the request is a 404,
 * exactly as for another user's monitor anywhere else: otherwise another user's id answered an
 * empty list or "deleted", as if nothing was wrong. "The caller's" includes one the caller
 * deleted whose alerts remain, so that history can still be listed and cleared; alert rows carry
 * the owner of their monitor and channel, so this never reveals anyone else's id.
 */
@Injectable()
export class AlertFilterScope {
  constructor(@Inject(REGISTRY_CLIENT) private readonly registry: BusClient) {}

  async assertOwned(em: EntityManager, ownerId: string, filter: AlertFilter): Promise<void> {
    const { monitorId, channelId } = filter;
    if (monitorId && !(await this.ownsMonitor(em, ownerId, monitorId)))
      throw rpcProblem(Problems.notFound('The monitor'));
    if (channelId && !(await this.ownsChannel(em, ownerId, channelId)))
      throw rpcProblem(Problems.notFound('The channel'));
  }

  private async ownsChannel(em: EntityManager, ownerId: string, id: string): Promise<boolean> {
    if (await em.count(ChannelEntity, { id, ownerId })) return true;
    return this.hasAlerts(em, { ownerId, channelId: id });
  }

  /** The projection answers for almost every monitor; the registry for one it has not seen. */
  private async ownsMonitor(em: EntityManager, ownerId: string, id: string): Promise<boolean> {
    if (await em.count(MonitorAlertStateEntity, { monitorId: id, ownerId })) return true;
    if (await this.hasAlerts(em, { ownerId, monitorId: id })) return true;
    return this.registryOwns(ownerId, id);
  }

  private async hasAlerts(
    em: EntityManager,
    where: { ownerId: string; monitorId?: string; channelId?: string },
  ): Promise<boolean> {
    return (await em.findOne(AlertEntity, where, { fields: ['id'] })) !== null;
  }

  private async registryOwns(ownerId: string, monitorId: string): Promise<boolean> {
    try {
      await this.registry.request(RegistrySubjects.getMonitor, { ownerId, monitorId });
      return true;
    } catch (err) {
      if (err instanceof ProblemError && err.problem.status === 404) return false;
      throw rpcProblem(
        err instanceof ProblemError ? err.problem : Problems.unavailable('The registry failed.'),
      );
    }
  }
}
