import type { Provider } from '@nestjs/common';
import { ReadinessChecks, readinessCheck } from '@uptime/health';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION, natsRoundTrip } from './nats-connection';

/** Readiness of an app whose only dependency is the bus. */
export function natsReadiness(): Provider {
  return {
    provide: ReadinessChecks,
    inject: [NATS_CONNECTION],
    useFactory: (nc: NatsConnection) =>
      new ReadinessChecks([readinessCheck('nats', () => natsRoundTrip(nc))]),
  };
}
