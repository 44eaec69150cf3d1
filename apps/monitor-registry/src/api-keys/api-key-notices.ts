import { Inject, Injectable } from '@nestjs/common';
import { NATS_CONNECTION, natsRoundTrip } from '@uptime/bus';
import { type ApiKeyRevoked, RegistryNotices } from '@uptime/contracts';
import type { NatsConnection } from 'nats';

const FLUSH_TIMEOUT_MS = 1000;

/** Tells every gateway, after the deletion committed, to forget a key it may remember. */
@Injectable()
export class ApiKeyNotices {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /**
   * Resolves once the server has the notice (a flush), so the deletion is answered only after
   * every connected gateway has been sent it: a request on another replica right after the
   * answer finds the key forgotten. When the flush fails (NATS away), gateways forget every
   * key on reconnecting, and a remembered key lives at most their cache's TTL anyway.
   */
  async revoked(notice: ApiKeyRevoked): Promise<void> {
    this.nc.publish(RegistryNotices.apiKeyRevoked, JSON.stringify(notice));
    await natsRoundTrip(this.nc, FLUSH_TIMEOUT_MS).catch(() => undefined);
  }
}
