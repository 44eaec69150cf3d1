import { Logger } from '@nestjs/common';
import { redact } from '@uptime/config';
import {
  type EmbeddedService,
  ensureNats,
  readOrCreateSecret,
  startEmbeddedPostgres,
} from '@uptime/embedded';
import { type ReadinessCheck, ReadinessChecks, TELEMETRY } from '@uptime/health';
import type { Registry } from 'prom-client';
import type { RunningService } from '@uptime/service-host';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startGateway } from '../../gateway/src/bootstrap';
import { loadGatewayConfig } from '../../gateway/src/config';
import { startMetrics } from '../../metrics/src/bootstrap';
import { loadMetricsConfig } from '../../metrics/src/config';
import { startRegistry } from '../../monitor-registry/src/bootstrap';
import { loadRegistryConfig } from '../../monitor-registry/src/config';
import { startNotifier } from '../../notifier/src/bootstrap';
import { loadNotifierConfig } from '../../notifier/src/config';
import { startProber } from '../../prober/src/bootstrap';
import { loadProberConfig } from '../../prober/src/config';
import { startScheduler } from '../../scheduler/src/bootstrap';
import { loadSchedulerConfig } from '../../scheduler/src/config';
import type { AppName, PlatformConfig } from './config';

type Env = Record<string, string | undefined>;

/** Each app, started inside this process without its own HTTP port. */
const STARTERS: Record<Exclude<AppName, 'gateway'>, (env: Env) => Promise<RunningService>> = {
  'monitor-registry': (env) => startRegistry(loadRegistryConfig(env), false),
  scheduler: (env) => startScheduler(loadSchedulerConfig(env), false),
  prober: (env) => startProber(loadProberConfig(env), false),
  metrics: (env) => startMetrics(loadMetricsConfig(env), false),
  notifier: (env) => startNotifier(loadNotifierConfig(env), false),
};

export interface RunningPlatform {
  url?: string;
  stop(): Promise<void>;
}

/**
 * Single-process mode: the embedded infrastructure, then every app over the same NATS subjects
 * as a distributed deployment. Each app still reads and validates its own configuration.
 */
export async function startPlatform(
  config: PlatformConfig,
  baseEnv: Env,
): Promise<RunningPlatform> {
  const logger = new Logger('platform');
  const infra: EmbeddedService[] = [];
  const apps: RunningService[] = [];
  const stop = async () => {
    for (const app of apps.reverse())
      await app.close().catch((err: unknown) => logger.warn(String(err)));
    for (const service of infra.reverse())
      await service.stop().catch((err: unknown) => logger.warn(String(err)));
  };
  try {
    const nats = await ensureNats(config.natsUrl, config.dataDir, (l) => logger.log(l));
    infra.push(nats);
    // One machine probing its own loopback services is the point of the embedded default.
    const env: Env = {
      PROBE_ALLOW_PRIVATE: 'true',
      ...baseEnv,
      NATS_URL: nats.url,
      DATA_DIR: config.dataDir,
    };
    if (config.apps.includes('monitor-registry') || config.apps.includes('notifier')) {
      env.DATABASE_URL = config.databaseUrl ?? (await embeddedPostgres(config, infra, logger));
    }
    env.JWT_SECRET = config.jwtSecret ?? (await generatedJwtSecret(config.dataDir));

    const peers: ReadinessCheck[] = [];
    const registries: Registry[] = [];
    for (const name of config.apps) {
      if (name === 'gateway') continue;
      const app = await STARTERS[name](env);
      apps.push(app);
      peers.push(...prefixed(name, app.app.get(ReadinessChecks, { strict: false }).checks));
      registries.push(app.app.get<Registry>(TELEMETRY, { strict: false }));
    }
    if (!config.apps.includes('gateway')) return { stop };
    const gateway = await startGateway(loadGatewayConfig(env), {
      peerReadiness: peers,
      peerTelemetry: () => registries,
    });
    apps.push(gateway);
    return { url: gateway.url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function embeddedPostgres(
  config: PlatformConfig,
  infra: EmbeddedService[],
  logger: Logger,
): Promise<string> {
  const pg = await startEmbeddedPostgres(config.dataDir, (l) => logger.warn(l));
  infra.push(pg);
  logger.log(`embedded PostgreSQL at ${redact(pg.url)}`);
  return pg.url;
}

/** Outside production a missing JWT_SECRET is generated once and kept, so tokens survive restarts. */
function generatedJwtSecret(dataDir: string): Promise<string> {
  return readOrCreateSecret(join(dataDir, 'jwt-secret'), () =>
    randomBytes(48).toString('base64url'),
  );
}

/** Names each app's checks in the gateway's ready answer (`monitor-registry.postgres`). */
function prefixed(app: string, checks: ReadinessCheck[]): ReadinessCheck[] {
  return checks.map((check) => async () => {
    const result = await check();
    return Object.fromEntries(
      Object.entries(result).map(([key, value]) => [`${app}.${key}`, value]),
    );
  });
}
