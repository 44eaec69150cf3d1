import { Logger } from '@nestjs/common';
import { redact } from '@uptime/config';
import {
  claimDataDir,
  type EmbeddedNats,
  type EmbeddedService,
  ensureNats,
  keepPrivate,
  readOrCreateSecret,
  startEmbeddedPostgres,
} from '@uptime/embedded';
import {
  type MetricsSource,
  type ReadinessCheck,
  ReadinessChecks,
  TELEMETRY,
} from '@uptime/health';
import { Counter, Gauge, Registry } from 'prom-client';
import type { RunningService } from '@uptime/service-host';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { startGateway } from '../../gateway/src/bootstrap';
import { loadGatewayConfig } from '../../gateway/src/config';
import { isLoopback, type PlatformConfig } from './config';
import { type Env, type QuietAppName, STARTERS } from './starters';
import { type PlatformApp, startAppThread } from './threaded-app';

export interface RunningPlatform {
  url?: string;
  stop(): Promise<void>;
}

/**
 * The app that stays on the main thread with the gateway: the metrics service holds embedded
 * chDB, whose engine crashes the process (SIGSEGV) when a worker thread that loaded it ends.
 * Its own share of a check's CPU is small (row encoding; chDB works on its own threads).
 */
const ON_MAIN_THREAD: QuietAppName = 'metrics';

/**
 * Shutdown bounds, so that one whose NATS or database no longer answers still ends within 10 s:
 * the apps drain one by one within 5 s (2 s each at most), then the embedded servers get 3 s
 * together to stop cleanly before they are killed.
 */
const APPS_DRAIN_MS = 5_000;
const APP_CLOSE_MS = 2_000;
const SERVERS_STOP_MS = 3_000;

/**
 * Single-process mode: the embedded infrastructure, then every app over the same NATS subjects
 * as a distributed deployment. Each app still reads and validates its own configuration.
 * `onFailure` is called when an embedded server died and could not be restarted.
 */
export async function startPlatform(
  config: PlatformConfig,
  baseEnv: Env,
  onFailure: (reason: string) => void = () => undefined,
): Promise<RunningPlatform> {
  const logger = new Logger('platform');
  const infra: EmbeddedService[] = [];
  const apps: PlatformApp[] = [];
  let release: () => Promise<void> = async () => undefined;
  const stop = async () => {
    const appsDeadline = Date.now() + APPS_DRAIN_MS;
    for (const app of apps.reverse()) {
      const budget = Math.min(APP_CLOSE_MS, appsDeadline - Date.now());
      await bounded(app.close(), budget, 'an app did not drain').catch((err: unknown) =>
        logger.warn(String(err)),
      );
    }
    await Promise.all(
      infra.map((service) =>
        service.stop(SERVERS_STOP_MS).catch((err: unknown) => logger.warn(String(err))),
      ),
    );
    await release().catch(() => undefined);
  };
  try {
    await keepPrivate(config.dataDir);
    release = await claimDataDir(config.dataDir);
    // The nats-server's supervision warns (a restart) also with LOG_LEVEL=warn.
    const log = (l: string, level?: 'warn') => (level === 'warn' ? logger.warn(l) : logger.log(l));
    const nats = await ensureNats(config.natsUrl, config.dataDir, log, onFailure);
    infra.push(nats);
    const env: Env = {
      ...baseEnv,
      HOST: config.host,
      PROBE_ALLOW_PRIVATE: String(config.probeAllowPrivate),
      NATS_URL: nats.url,
      DATA_DIR: config.dataDir,
      // One setting for every app: the scheduler, the gateway and each prober agree on regions.
      REGIONS: config.regions.join(','),
    };
    warnAboutExposure(config, baseEnv, logger);
    if (config.apps.includes('monitor-registry') || config.apps.includes('notifier')) {
      env.DATABASE_URL =
        config.databaseUrl ?? (await embeddedPostgres(config, infra, logger, onFailure));
    }
    env.JWT_SECRET = config.jwtSecret ?? (await generatedJwtSecret(config.dataDir));
    // Links the notifier emails (invitations, alerts) must point where the gateway answers.
    if (config.apps.includes('gateway')) env.PUBLIC_URL = loadGatewayConfig(env).publicUrl;

    const peers: ReadinessCheck[] = [];
    const registries: MetricsSource[] = [];
    if (nats.jetstream) {
      peers.push(jetStreamReadiness(nats.jetstream));
      registries.push(jetStreamMetrics(nats.jetstream));
    }
    const start = (app: QuietAppName, label: string, appEnv: Env) =>
      config.appThreads && app !== ON_MAIN_THREAD
        ? startAppThread(
            {
              app,
              label,
              env: appEnv,
              logFormat: config.logFormat,
              otlpEndpoint: config.otlpEndpoint,
            },
            (reason) => onFailure(reason),
          )
        : STARTERS[app](appEnv).then((service) => inThisThread(label, service));
    // The registry first: it creates the streams and tables the others follow. The rest start
    // at once when each has a thread of its own, one by one in this thread otherwise.
    const [first, ...rest] = quietApps(config, env);
    if (first) apps.push(await start(first.app, first.label, first.env));
    if (config.appThreads) {
      const others = await Promise.allSettled(rest.map((u) => start(u.app, u.label, u.env)));
      for (const o of others) if (o.status === 'fulfilled') apps.push(o.value);
      const refused = others.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (refused) throw refused.reason;
    } else {
      for (const u of rest) apps.push(await start(u.app, u.label, u.env));
    }
    for (const app of apps) {
      peers.push(...prefixed(app.label, app.readiness));
      registries.push(app.telemetry);
    }
    if (!config.apps.includes('gateway')) return { stop };
    const gateway = await startGateway(loadGatewayConfig(env), {
      peerReadiness: peers,
      peerTelemetry: () => registries,
    });
    apps.push(inThisThread('gateway', gateway));
    return { url: gateway.url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The apps beside the gateway in start order (the registry first when it runs here), each with
 * its environment: one prober per region, each with its own REGION and durable consumer
 * `probers-<region>`.
 */
function quietApps(config: PlatformConfig, env: Env) {
  const units: { app: QuietAppName; label: string; env: Env }[] = [];
  const ordered = [...config.apps].sort(
    (a, b) => Number(b === 'monitor-registry') - Number(a === 'monitor-registry'),
  );
  for (const app of ordered) {
    if (app === 'gateway') continue;
    if (app !== 'prober') {
      units.push({ app, label: app, env });
      continue;
    }
    const canaryUrl = config.canaryUrl ?? gatewayHealthUrl(config, env);
    for (const region of config.probeRegions) {
      const label = config.probeRegions.length > 1 ? `prober-${region}` : 'prober';
      units.push({ app, label, env: { ...env, REGION: region, PROBE_CANARY_URL: canaryUrl } });
    }
  }
  return units;
}

/** An app started in the platform's own thread. */
function inThisThread(label: string, service: RunningService): PlatformApp {
  return {
    label,
    readiness: service.app.get(ReadinessChecks, { strict: false }).checks,
    telemetry: service.app.get<Registry>(TELEMETRY, { strict: false }),
    close: () => service.close(),
  };
}

/**
 * The gateway's own `/health/live` as the probers of this process reach it: the default canary
 * (the gateway answers it as long as the process runs, so a failure is the prober's network).
 * Unknown with `PORT=0` (a port chosen at listen time): the canary is then off.
 */
function gatewayHealthUrl(config: PlatformConfig, env: Env): string | undefined {
  if (!config.apps.includes('gateway')) return undefined;
  const { port } = loadGatewayConfig(env);
  if (port === 0) return undefined;
  const bare = config.host.replace(/^\[|\]$/g, '');
  const host = bare === '0.0.0.0' ? '127.0.0.1' : bare === '::' ? '::1' : bare;
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/health/live`;
}

/** Says when the API is reachable from other machines, and what that lets its users reach. */
function warnAboutExposure(config: PlatformConfig, baseEnv: Env, logger: Logger): void {
  if (isLoopback(config.host)) return;
  if (config.probeAllowPrivate) {
    logger.warn(
      `HOST=${config.host}: the API is reachable from other machines and PROBE_ALLOW_PRIVATE=true lets anyone who registers probe this machine and its private network`,
    );
    return;
  }
  const allowed = baseEnv.PROBE_ALLOWED_CIDRS ? ` except PROBE_ALLOWED_CIDRS` : '';
  logger.warn(
    `HOST=${config.host}: the API is reachable from other machines, so probes and alerts to private, loopback and link-local addresses are refused${allowed} (PROBE_ALLOW_PRIVATE=true allows them all)`,
  );
}

/** Waits for `work` at most `ms`; past that the shutdown goes on without it. */
function bounded(work: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} within ${Math.max(0, ms)} ms`)),
      Math.max(0, ms),
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

async function embeddedPostgres(
  config: PlatformConfig,
  infra: EmbeddedService[],
  logger: Logger,
  onFailure: (reason: string) => void,
): Promise<string> {
  const pg = await startEmbeddedPostgres(config.dataDir, (l) => logger.warn(l), onFailure);
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

/**
 * The embedded nats-server's JetStream in the gateway's ready answer (`platform.jetstream`): down
 * while it does not answer (the platform restarts the server meanwhile; nothing can be scheduled,
 * checked or stored then).
 */
function jetStreamReadiness(health: NonNullable<EmbeddedNats['jetstream']>): ReadinessCheck {
  return async () => {
    const { available, since, restarts, problem } = health();
    if (available) return { 'platform.jetstream': { status: 'up' } };
    const down = Math.round((Date.now() - since) / 1000);
    return {
      'platform.jetstream': {
        status: 'down',
        message: `the embedded nats-server's JetStream has not answered for ${down} s (${problem ?? 'no answer'}); restarts so far: ${restarts}`,
      },
    };
  };
}

/** `uptime_platform_jetstream_available` and `uptime_platform_nats_restarts_total`. */
function jetStreamMetrics(health: NonNullable<EmbeddedNats['jetstream']>): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'uptime_platform_jetstream_available',
    help: "1 while the embedded nats-server's JetStream answers, 0 while it does not (the platform restarts the server)",
    registers: [registry],
    collect() {
      this.set(health().available ? 1 : 0);
    },
  });
  let counted = 0;
  new Counter({
    name: 'uptime_platform_nats_restarts_total',
    help: 'Restarts of the embedded nats-server because its JetStream stopped answering (a storage write error, such as a full disk, can leave it so until a restart)',
    registers: [registry],
    collect() {
      const { restarts } = health();
      if (restarts > counted) this.inc(restarts - counted);
      counted = restarts;
    },
  });
  return registry;
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
