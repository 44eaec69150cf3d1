import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';

/**
 * `/health/live` and `/health/ready` for one app. The app passes the provider of its
 * `ReadinessChecks`, built from its own connections.
 */
@Module({})
export class HealthModule {
  static forApp(readiness: Provider): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false, gracefulShutdownTimeoutMs: 0 })],
      controllers: [HealthController],
      providers: [readiness],
    };
  }
}
