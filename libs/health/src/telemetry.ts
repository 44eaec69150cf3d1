import {
  Controller,
  type DynamicModule,
  Get,
  Global,
  Header,
  Inject,
  Module,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** The app's own Prometheus registry: one per app, so several apps can share a process. */
export const TELEMETRY = Symbol('TELEMETRY');

export interface TelemetryOptions {
  app: string;
  /** In single-process mode: the other apps' registries, merged into this app's `/metrics`. */
  peers?: () => Registry[];
}

const OPTIONS = Symbol('TELEMETRY_OPTIONS');

/**
 * Process metrics (CPU, memory, event loop) describe the process, not an app: the first registry
 * created in a process carries them, so merging the registries of a single-process platform
 * never sees them twice.
 */
let processMetricsTaken = false;

@ApiExcludeController()
@Controller('metrics')
class PrometheusController {
  constructor(
    @Inject(TELEMETRY) private readonly registry: Registry,
    @Inject(OPTIONS) private readonly options: TelemetryOptions,
  ) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  scrape(): Promise<string> {
    const peers = this.options.peers?.() ?? [];
    return peers.length
      ? Registry.merge([this.registry, ...peers]).metrics()
      : this.registry.metrics();
  }
}

/** `/metrics` in the Prometheus text format, and a registry the app's services add their metrics to. */
@Global()
@Module({})
export class TelemetryModule {
  static forApp(options: TelemetryOptions): DynamicModule {
    return {
      module: TelemetryModule,
      controllers: [PrometheusController],
      providers: [
        { provide: OPTIONS, useValue: options },
        {
          provide: TELEMETRY,
          useFactory: () => {
            const registry = new Registry();
            registry.setDefaultLabels({ app: options.app });
            if (!processMetricsTaken) {
              processMetricsTaken = true;
              collectDefaultMetrics({ register: registry });
            }
            return registry;
          },
        },
      ],
      exports: [TELEMETRY],
    };
  }
}
