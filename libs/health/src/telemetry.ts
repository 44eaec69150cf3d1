import {
  Controller,
  type DynamicModule,
  Get,
  Global,
  Header,
  Inject,
  Injectable,
  Module,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AggregatorRegistry, collectDefaultMetrics, Registry } from 'prom-client';
import { isMainThread } from 'node:worker_threads';

/** The app's own Prometheus registry: one per app, so several apps can share a process. */
export const TELEMETRY = Symbol('TELEMETRY');

/** What `/metrics` reads of another app: its registry, or a question to the thread it runs in. */
export type MetricsSource = Pick<Registry, 'getMetricsAsJSON'>;

export interface TelemetryOptions {
  app: string;
  /** More labels on every metric of the app: a prober's `region`, so several share a process. */
  labels?: Record<string, string>;
  /** In single-process mode: the other apps' metrics, merged into this app's `/metrics`. */
  peers?: () => MetricsSource[];
}

const OPTIONS = Symbol('TELEMETRY_OPTIONS');

/**
 * Process metrics (CPU, memory, event loop) describe the process, not an app: the first registry
 * created in the process's main thread carries them, so merging the registries of a
 * single-process platform (apps in worker threads too) never sees them twice.
 */
let processMetricsTaken = !isMainThread;

/** What a Prometheus scrape of this app reads, whichever port serves it. */
@Injectable()
export class MetricsScrape {
  static readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  constructor(
    @Inject(TELEMETRY) private readonly registry: Registry,
    @Inject(OPTIONS) private readonly options: TelemetryOptions,
  ) {}

  async text(): Promise<string> {
    const peers = this.options.peers?.() ?? [];
    if (peers.length === 0) return this.registry.metrics();
    // Aggregated, not merged: two apps of one kind (a prober per region) share metric names,
    // which `merge` refuses; their `region` label keeps their series apart.
    const all = await Promise.all([this.registry, ...peers].map((r) => r.getMetricsAsJSON()));
    return AggregatorRegistry.aggregate(all).metrics();
  }
}

@ApiExcludeController()
@Controller('metrics')
class PrometheusController {
  constructor(private readonly scrape: MetricsScrape) {}

  @Get()
  @Header('Content-Type', MetricsScrape.contentType)
  scrapeMetrics(): Promise<string> {
    return this.scrape.text();
  }
}

/**
 * `/metrics` in the Prometheus text format, and a registry the app's services add their metrics
 * to. When the operator sets a metrics port, `startService` serves `MetricsScrape` there instead
 * and the public port answers 404 for `/metrics`.
 */
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
            registry.setDefaultLabels({ app: options.app, ...options.labels });
            if (!processMetricsTaken) {
              processMetricsTaken = true;
              collectDefaultMetrics({ register: registry });
            }
            return registry;
          },
        },
        MetricsScrape,
      ],
      exports: [TELEMETRY, MetricsScrape],
    };
  }
}
