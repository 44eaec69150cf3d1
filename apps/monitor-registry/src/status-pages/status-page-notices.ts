import { Inject, Injectable } from '@nestjs/common';
import { NATS_CONNECTION, natsRoundTrip } from '@uptime/bus';
import { RegistryNotices, type StatusPageChanged } from '@uptime/contracts';
import type { NatsConnection } from 'nats';

const FLUSH_TIMEOUT_MS = 1000;

/** Tells every gateway, after a page's change committed, to forget what it built for its slugs. */
@Injectable()
export class StatusPageNotices {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /**
   * Resolves once the server has the notice (a flush), so the change is answered only after
   * every connected gateway has been sent it: a visitor on another replica right after the
   * answer gets the page as changed. When the flush fails (NATS away), gateways forget every
   * page on reconnecting, and a kept page lives at most 30 s anyway.
   */
  async changed(slugs: string[]): Promise<void> {
    const notice: StatusPageChanged = { slugs: [...new Set(slugs)] };
    this.nc.publish(RegistryNotices.statusPageChanged, JSON.stringify(notice));
    await natsRoundTrip(this.nc, FLUSH_TIMEOUT_MS).catch(() => undefined);
  }
}
