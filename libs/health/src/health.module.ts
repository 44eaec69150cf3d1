import { type DynamicModule, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';

/**
 * `/health/live` and `/health/ready` for one app. The app passes the provider of its
 * `ReadinessChecks`, built from its own connections, and the modules whose exports the checks use.
 */
@Module({})
export class HealthModule {
  static forApp(readiness: Provider, imports: ModuleMetadata['imports'] = []): DynamicModule {
    return {
      module: HealthModule,
      imports: [
        TerminusModule.forRoot({ logger: false, gracefulShutdownTimeoutMs: 0 }),
        ...imports,
      ],
      controllers: [HealthController],
      providers: [readiness],
    };
  }
}
