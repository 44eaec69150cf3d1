import { Inject, Injectable } from '@nestjs/common';
import { NATS_CONNECTION, natsRoundTrip } from '@uptime/bus';
import { RegistryNotices, type TeamAccessChanged } from '@uptime/contracts';
import type { NatsConnection } from 'nats';

const FLUSH_TIMEOUT_MS = 1000;

/**
 * Tells every gateway, after the change committed, that who may do what in a team changed, so a
 * removed member, a lowered role or a deleted team's API keys take effect at once and not when a
 * cached answer expires.
 */
@Injectable()
export class TeamAccessNotices {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /**
   * Resolves once the server has the notice (a flush), so the change is answered only after every
   * connected gateway has been sent it: the next request, on any replica, sees the change.
   */
  async changed(notice: TeamAccessChanged): Promise<void> {
    this.nc.publish(RegistryNotices.teamAccessChanged, JSON.stringify(notice));
    await natsRoundTrip(this.nc, FLUSH_TIMEOUT_MS).catch(() => undefined);
  }
}
