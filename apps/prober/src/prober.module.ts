import { type DynamicModule, Module } from '@nestjs/common';
import { BusModule, natsReadiness } from '@uptime/bus';
import { TelemetryModule, HealthModule } from '@uptime/health';
import { PROBER_CONFIG, type ProberConfig } from './config';
import { PresenceAnnouncer } from './presence/presence-announcer';
import { ProberCanary } from './presence/prober-canary';
import { ProbeWorker } from './probes/probe-worker';

/** What the prober does: the worker, its canary and its presence. */
@Module({})
class ProbingModule {
  static forRoot(config: ProberConfig): DynamicModule {
    return {
      module: ProbingModule,
      providers: [
        { provide: PROBER_CONFIG, useValue: config },
        ProberCanary,
        PresenceAnnouncer,
        ProbeWorker,
      ],
      exports: [ProbeWorker],
    };
  }
}

@Module({})
export class ProberModule {
  static forRoot(config: ProberConfig): DynamicModule {
    const probing = ProbingModule.forRoot(config);
    return {
      module: ProberModule,
      imports: [
        BusModule.forRoot({ natsUrl: config.natsUrl, name: `prober-${config.region}` }),
        TelemetryModule.forApp({ app: 'prober', labels: { region: config.region } }),
        probing,
        HealthModule.forApp(
          natsReadiness({
            inject: [ProbeWorker],
            // Behind its queue: `degraded` with the lag and the jobs dropped, yet ready.
            checks: (worker: ProbeWorker) => [worker.behind.readiness('overload')],
          }),
          [probing],
        ),
      ],
    };
  }
}
