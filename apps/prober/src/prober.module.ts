import { type DynamicModule, Module } from '@nestjs/common';
import { BusModule, natsReadiness } from '@uptime/bus';
import { TelemetryModule, HealthModule } from '@uptime/health';
import { PROBER_CONFIG, type ProberConfig } from './config';
import { PresenceAnnouncer } from './presence/presence-announcer';
import { ProberCanary } from './presence/prober-canary';
import { ProbeWorker } from './probes/probe-worker';

@Module({})
export class ProberModule {
  static forRoot(config: ProberConfig): DynamicModule {
    return {
      module: ProberModule,
      imports: [
        BusModule.forRoot({ natsUrl: config.natsUrl, name: `prober-${config.region}` }),
        TelemetryModule.forApp({ app: 'prober', labels: { region: config.region } }),
        HealthModule.forApp(natsReadiness()),
      ],
      providers: [
        { provide: PROBER_CONFIG, useValue: config },
        ProberCanary,
        PresenceAnnouncer,
        ProbeWorker,
      ],
    };
  }
}
