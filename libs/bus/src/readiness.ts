import type { InjectionToken, Provider } from '@nestjs/common';
import { type ReadinessCheck, ReadinessChecks, readinessCheck } from '@uptime/health';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION, natsRoundTrip } from './nats-connection';

/** The app's other dependencies: what to inject, and the checks built from them, in that order. */
export interface MoreReadiness {
  inject: InjectionToken[];
  // `never[]` so that a function of any particular dependencies fits.
  checks: (...deps: never[]) => ReadinessCheck[];
}

/** Readiness of an app: the bus round trip, then the checks of its other dependencies. */
export function natsReadiness(more: MoreReadiness = { inject: [], checks: () => [] }): Provider {
  return {
    provide: ReadinessChecks,
    inject: [NATS_CONNECTION, ...more.inject],
    useFactory: (nc: NatsConnection, ...deps: never[]) =>
      new ReadinessChecks([
        readinessCheck('nats', () => natsRoundTrip(nc)),
        ...more.checks(...deps),
      ]),
  };
}
