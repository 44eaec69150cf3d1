import type { RunningService } from '@uptime/service-host';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../../apps/gateway/src/bootstrap';
import { startMetrics } from '../../apps/metrics/src/bootstrap';
import type { MetricsConfig } from '../../apps/metrics/src/config';
import { startRegistry } from '../../apps/monitor-registry/src/bootstrap';
import { startNotifier } from '../../apps/notifier/src/bootstrap';
import type { GatewayConfig } from '../../apps/gateway/src/config';
import type { RegistryConfig } from '../../apps/monitor-registry/src/config';
import type { NotifierConfig } from '../../apps/notifier/src/config';
import { startProber } from '../../apps/prober/src/bootstrap';
import type { ProberConfig } from '../../apps/prober/src/config';
import { startScheduler } from '../../apps/scheduler/src/bootstrap';
import type { SchedulerConfig } from '../../apps/scheduler/src/config';
import { ApiClient } from './api-client';
import {
  gatewayConfig,
  NATS_URL,
  notifierConfig,
  proberConfig,
  registryConfig,
  schedulerConfig,
} from './services';
import { createTestDatabase, type TestDatabase } from './test-database';

/**
 * The whole check pipeline in this process, every app over the real NATS, PostgreSQL and
 * embedded ClickHouse. Its own region keeps its probe jobs apart from any other run's.
 */
export class Pipeline {
  readonly region = `t${Math.random().toString(36).slice(2, 8)}`;
  readonly probers: RunningService[] = [];
  readonly schedulers: RunningService[] = [];
  registry?: RunningService;
  metrics?: RunningService;
  notifier?: RunningService;
  gateway?: RunningService;
  api!: ApiClient;
  db!: TestDatabase;
  private dataDir!: string;
  /** Channel tests post to receivers on loopback (allowed by default); tests may change more. */
  notifierOverrides: Partial<NotifierConfig> = {};
  registryOverrides: Partial<RegistryConfig> = {};
  gatewayOverrides: Partial<GatewayConfig> = {};
  private readonly database = `uptime_${Math.random().toString(36).slice(2, 8)}`;

  async start(options: { probers?: number; schedulers?: number } = {}): Promise<this> {
    this.db = await createTestDatabase();
    this.dataDir = await mkdtemp(join(tmpdir(), 'uptime-pipeline-'));
    await this.startRegistry();
    await this.startMetrics();
    await this.startNotifier();
    for (let i = 0; i < (options.probers ?? 1); i++) await this.startProber();
    for (let i = 0; i < (options.schedulers ?? 1); i++) await this.startScheduler();
    this.gateway = await startGateway(
      gatewayConfig({ defaultRegions: [this.region], ...this.gatewayOverrides }),
    );
    this.api = new ApiClient(this.gateway.url!.replace('[::1]', '127.0.0.1'));
    return this;
  }

  metricsConfig(): MetricsConfig {
    return {
      natsUrl: NATS_URL,
      port: 0,
      logLevel: 'warn',
      clickhouse: { kind: 'embedded', path: join(this.dataDir, 'clickhouse') },
      database: this.database,
      rawRetentionDays: 30,
      batchSize: 1000,
    };
  }

  proberConfig(overrides: Partial<ProberConfig> = {}): ProberConfig {
    return proberConfig(this.region, { concurrency: 50, ...overrides });
  }

  schedulerConfig(overrides: Partial<SchedulerConfig> = {}): SchedulerConfig {
    return schedulerConfig(this.region, {
      instanceId: `scheduler-${this.schedulers.length}-${this.region}`,
      ...overrides,
    });
  }

  async startRegistry(): Promise<RunningService> {
    this.registry = await startRegistry(registryConfig(this.db.url, this.registryOverrides), false);
    return this.registry;
  }

  async startMetrics(): Promise<RunningService> {
    this.metrics = await startMetrics(this.metricsConfig(), false);
    return this.metrics;
  }

  async startNotifier(): Promise<RunningService> {
    this.notifier = await startNotifier(notifierConfig(this.db.url, this.notifierOverrides), false);
    return this.notifier;
  }

  async startProber(): Promise<RunningService> {
    const prober = await startProber(this.proberConfig(), false);
    this.probers.push(prober);
    return prober;
  }

  async startScheduler(): Promise<RunningService> {
    const scheduler = await startScheduler(this.schedulerConfig(), false);
    this.schedulers.push(scheduler);
    return scheduler;
  }

  async stop(): Promise<void> {
    const all = [
      this.gateway,
      ...this.schedulers,
      ...this.probers,
      this.notifier,
      this.metrics,
      this.registry,
    ];
    for (const app of all) await app?.close().catch(() => undefined);
    await this.db?.drop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}
