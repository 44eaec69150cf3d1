import { Inject, Injectable } from '@nestjs/common';
import { BusClient, ProblemError, rpcProblem } from '@uptime/bus';
import { Problems, RegistrySubjects } from '@uptime/contracts';
import { ChannelRepository } from '../channels/channel.repository';
import { MonitorAlertStateRepository } from '../monitors/monitor-alert-state.repository';
import { REGISTRY_CLIENT } from '../monitors/monitor-projection';
import { AlertRepository } from './alert.repository';

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
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: BusClient,
    private readonly channels: ChannelRepository,
    private readonly monitors: MonitorAlertStateRepository,
    private readonly alerts: AlertRepository,
  ) {}

  async assertOwned(ownerId: string, filter: AlertFilter): Promise<void> {
    const { monitorId, channelId } = filter;
    if (monitorId && !(await this.ownsMonitor(ownerId, monitorId)))
      throw rpcProblem(Problems.notFound('The monitor'));
    if (channelId && !(await this.ownsChannel(ownerId, channelId)))
      throw rpcProblem(Problems.notFound('The channel'));
  }

  private async ownsChannel(ownerId: string, id: string): Promise<boolean> {
    if (await this.channels.isOwned(ownerId, id)) return true;
    return this.alerts.hasAny({ ownerId, channelId: id });
  }

  /** The projection answers for almost every monitor; the registry for one it has not seen. */
  private async ownsMonitor(ownerId: string, id: string): Promise<boolean> {
    if (await this.monitors.isOwned(ownerId, id)) return true;
    if (await this.alerts.hasAny({ ownerId, monitorId: id })) return true;
    return this.registryOwns(ownerId, id);
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
