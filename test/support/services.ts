import type { RunningService } from '@uptime/service-host';
import { randomBytes } from 'node:crypto';
import { startGateway } from '../../apps/gateway/src/bootstrap';
import { type GatewayConfig } from '../../apps/gateway/src/config';
import { startRegistry } from '../../apps/monitor-registry/src/bootstrap';
import type { RegistryConfig } from '../../apps/monitor-registry/src/config';
import { startNotifier } from '../../apps/notifier/src/bootstrap';
import type { NotifierConfig } from '../../apps/notifier/src/config';
import type { ProberConfig } from '../../apps/prober/src/config';
import type { SchedulerConfig } from '../../apps/scheduler/src/config';
import { TargetPolicy } from '@uptime/target-guard';
import { ApiClient } from './api-client';
import { DEFAULT_NATS_URL } from './test-infra';

export const NATS_URL = process.env.NATS_URL || DEFAULT_NATS_URL;
export const JWT_SECRET = randomBytes(32).toString('hex');

export function registryConfig(
  databaseUrl: string,
  overrides: Partial<RegistryConfig> = {},
): RegistryConfig {
  return {
    databaseUrl,
    natsUrl: NATS_URL,
    port: 0,
    logLevel: 'warn',
    refreshTokenTtlDays: 30,
    maxMonitorsPerUser: 1000,
    maxTeamsPerUser: 20,
    maxApiKeysPerTeam: 100,
    registration: 'open',
    monitorTombstoneDays: 30,
    // The tests' targets are on loopback; cloud metadata stays refused.
    targets: new TargetPolicy({ allowPrivate: true }),
    ...overrides,
  };
}

/** A prober of `region` that may check the tests' targets on loopback. */
export function proberConfig(region: string, overrides: Partial<ProberConfig> = {}): ProberConfig {
  return {
    natsUrl: NATS_URL,
    port: 0,
    logLevel: 'warn',
    region,
    targets: new TargetPolicy({ allowPrivate: true }),
    concurrency: 10,
    ackWaitSeconds: 5,
    canaryIntervalSeconds: 1,
    ...overrides,
  };
}

/** A scheduler for `region` with a short lease, so a test sees a failover within seconds. */
export function schedulerConfig(
  region: string,
  overrides: Partial<SchedulerConfig> = {},
): SchedulerConfig {
  return {
    natsUrl: NATS_URL,
    port: 0,
    logLevel: 'warn',
    defaultRegions: [region],
    leaseSeconds: 3,
    partitions: 64,
    instanceId: `scheduler-${region}`,
    ...overrides,
  };
}

export function gatewayConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    publicUrl: 'http://localhost:3000',
    natsUrl: NATS_URL,
    jwtSecret: JWT_SECRET,
    accessTokenTtlSeconds: 900,
    authRateLimitPerMinute: 10_000,
    logLevel: 'warn',
    defaultRegions: ['local'],
    trustedProxies: ['loopback'],
    onDemandChecksPerMinutePerUser: 30,
    onDemandChecksPerMinutePerMonitor: 6,
    pingsPerMinutePerToken: 60,
    bulkCreateMaxProbeLagSeconds: 2,
    ...overrides,
  };
}

/** A notifier on `databaseUrl` whose channels may post to loopback receivers. */
export function notifierConfig(
  databaseUrl: string,
  overrides: Partial<NotifierConfig> = {},
): NotifierConfig {
  return {
    natsUrl: NATS_URL,
    port: 0,
    logLevel: 'warn',
    databaseUrl,
    publicUrl: 'http://localhost:3000',
    alertMaxAttempts: 5,
    alertRetryBaseMs: 200,
    targets: new TargetPolicy({ allowPrivate: true }),
    defaultRegions: ['local'],
    ...overrides,
  };
}

/**
 * The registry and the gateway, as two apps in this process talking over the real NATS; with
 * `notifier`, also the notifier, for tests of routes that name channels.
 */
export class ApiStack {
  private constructor(
    readonly registry: RunningService,
    readonly gateway: RunningService,
    readonly api: ApiClient,
    readonly notifier?: RunningService,
  ) {}

  static async start(
    databaseUrl: string,
    gateway: Partial<GatewayConfig> = {},
    registry: Partial<RegistryConfig> = {},
    options: { notifier?: boolean } = {},
  ): Promise<ApiStack> {
    const registryService = await startRegistry(registryConfig(databaseUrl, registry), false);
    const notifier = options.notifier
      ? await startNotifier(notifierConfig(databaseUrl), false)
      : undefined;
    const gw = await startGateway(gatewayConfig(gateway));
    const api = new ApiClient(gw.url!.replace('[::1]', '127.0.0.1'));
    return new ApiStack(registryService, gw, api, notifier);
  }

  async stop(): Promise<void> {
    await this.gateway.close();
    await this.notifier?.close();
    await this.registry.close();
  }
}
