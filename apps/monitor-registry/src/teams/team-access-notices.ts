import { Inject, Injectable } from '@nestjs/common';
import { NATS_CONNECTION } from '@uptime/bus';
import { RegistryNotices, type TeamAccessChanged } from '@uptime/contracts';
import type { NatsConnection } from 'nats';

/**
 * Tells every gateway, after the change committed, that who may do what in a team changed, so a
 * removed member or a lowered role takes effect at once and not when a cached answer expires.
 */
@Injectable()
export class TeamAccessNotices {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  changed(notice: TeamAccessChanged): void {
    this.nc.publish(RegistryNotices.teamAccessChanged, JSON.stringify(notice));
  }
}
