import { freePort } from '@uptime/embedded';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadGatewayConfig } from '../../apps/gateway/src/config';
import { loadMetricsConfig } from '../../apps/metrics/src/config';
import { loadRegistryConfig } from '../../apps/monitor-registry/src/config';
import { loadNotifierConfig } from '../../apps/notifier/src/config';
import { loadProberConfig } from '../../apps/prober/src/config';
import { loadSchedulerConfig } from '../../apps/scheduler/src/config';
import { AlertReceiver } from './alert-receiver';
import { ApiClient } from './api-client';
import { AppProcess } from './app-process';
import { NATS_URL } from './services';
import { TargetServer } from './target-server';
import { createTestDatabase, type TestDatabase } from './test-database';
import { waitFor } from './wait-for';

/** The repository's docker-compose.yml (the tests run from dist/test/support). */
export const COMPOSE_FILE = join(__dirname, '..', '..', '..', 'docker-compose.yml');

/** The six apps, in the order they are started (the gateway last, as the probers' canary). */
export const APPS = [
  'monitor-registry',
  'scheduler',
  'metrics',
  'notifier',
  'prober',
  'gateway',
] as const;
export type App = (typeof APPS)[number];

/**
 * Compose's interpolation of one value: `${VAR}`, `${VAR:-default}` (unset or empty),
 * `${VAR-default}` (unset), `${VAR:?message}` / `${VAR?message}` (required) and `$$` for `$`.
 */
export function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_]\w*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_]\w*)/g,
    (match, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      if (bare) return vars[bare] ?? '';
      const current = vars[name!];
      const missing = current === undefined || (colon === ':' && current === '');
      if (op === '-') return missing ? interpolate(arg ?? '', vars) : current!;
      if (op === '?') {
        if (missing) throw new Error(`compose refuses to start: ${name}: ${arg}`);
        return current!;
      }
      return current ?? '';
    },
  );
}

/** What compose gives one app service: its environment and how many replicas it runs. */
export interface ComposeApp {
  service: string;
  app: App;
  env: Record<string, string>;
  replicas: number;
}

interface ComposeService {
  image?: string;
  build?: { args?: Record<string, string> | string[] };
  environment?: Record<string, string | number | boolean | null> | string[];
  deploy?: { replicas?: number };
}

/**
 * The app services of docker-compose.yml (those built with `APP=<app>`), with the environment
 * compose gives each after merging its YAML anchors and interpolating `vars` (the shell's or a
 * `.env` file's variables, as `docker compose` reads them). Also every service name, since those
 * are the host names the apps reach each other by.
 */
export function composeApps(
  vars: Record<string, string | undefined>,
  file = COMPOSE_FILE,
): { apps: ComposeApp[]; hosts: string[] } {
  const doc = parse(readFileSync(file, 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const apps: ComposeApp[] = [];
  for (const [service, s] of Object.entries(doc.services)) {
    const app = buildArg(s, 'APP');
    if (!app) continue;
    assert.ok((APPS as readonly string[]).includes(app), `${service}: APP=${app} is no app`);
    apps.push({
      service,
      app: app as App,
      env: composeEnvironment(s.environment, vars),
      replicas: s.deploy?.replicas ?? 1,
    });
  }
  return { apps, hosts: Object.keys(doc.services) };
}

function buildArg(s: ComposeService, name: string): string | undefined {
  const args = s.build?.args;
  if (Array.isArray(args)) {
    return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  }
  return args?.[name];
}

function composeEnvironment(
  environment: ComposeService['environment'],
  vars: Record<string, string | undefined>,
): Record<string, string> {
  const entries: [string, string | undefined][] = Array.isArray(environment)
    ? environment.map((line) => {
        const at = line.indexOf('=');
        // `- NAME` alone passes the variable through from the shell.
        return at < 0 ? [line, vars[line]] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(environment ?? {}).map(([k, v]) => [k, v === null ? vars[k] : String(v)]);
  const env: Record<string, string> = {};
  for (const [name, raw] of entries) {
    if (raw === undefined) continue;
    const value = interpolate(raw, vars);
    // Compose sets an empty variable; the apps read empty as unset (parseEnv), so keep it.
    env[name] = value;
  }
  return env;
}

/**
 * This machine standing in for the deployment's network: where each service host name of the
 * deployment leads here. NATS is the test run's server, PostgreSQL the run's server with a
 * database of this test (its credentials replace the deployment's, which the local server does
 * not know), and ClickHouse has no server here, so a variable that names it is dropped and the
 * metrics app falls back to embedded chDB (as it does with CLICKHOUSE_URL unset).
 */
export interface LocalNetwork {
  /** Names of the deployment's services that stand for the gateway (its canary URL). */
  gatewayHosts: string[];
  natsHosts: string[];
  postgresHosts: string[];
  clickhouseHosts: string[];
  /** Services nothing in the test talks to (an SMTP sink): pointed at a closed loopback port. */
  unusedHosts: string[];
}

interface LocalEndpoints {
  databaseUrl: string;
  gatewayPort: number;
  closedPort: number;
}

/**
 * One app's environment moved onto this machine: every URL whose host is a service of the
 * deployment is rewritten to the local stand-in; a URL naming a host the network does not know
 * fails the test, so a new dependency in the deployment files cannot pass unnoticed.
 */
export function localEnv(
  env: Record<string, string>,
  network: LocalNetwork,
  local: LocalEndpoints,
): Record<string, string> {
  const known = [
    ...network.gatewayHosts,
    ...network.natsHosts,
    ...network.postgresHosts,
    ...network.clickhouseHosts,
    ...network.unusedHosts,
  ];
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const url = parseUrl(value);
    if (!url) {
      out[name] = value;
      continue;
    }
    const host = url.hostname;
    const is = (hosts: string[]) => hosts.includes(host);
    if (is(network.clickhouseHosts)) continue;
    if (is(network.postgresHosts)) {
      const db = new URL(local.databaseUrl);
      db.search = url.search;
      out[name] = db.toString();
    } else if (is(network.natsHosts)) {
      out[name] = withHost(url, new URL(NATS_URL).host);
    } else if (is(network.gatewayHosts)) {
      out[name] = withHost(url, `127.0.0.1:${local.gatewayPort}`);
    } else if (is(network.unusedHosts)) {
      out[name] = withHost(url, `127.0.0.1:${local.closedPort}`);
    } else {
      // A service of the cluster or the compose network that has no stand-in here; a public
      // name or localhost (PUBLIC_URL: where the user's browser opens the platform) passes.
      assert.ok(
        host === 'localhost' || (host.includes('.') && !/\.svc(\.|$)/.test(host)),
        `${name} names the host ${host}, a service the test has no local stand-in for (known: ${known.join(', ')})`,
      );
      out[name] = value;
    }
  }
  return out;
}

function parseUrl(value: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The URL with its host:port replaced; a URL without a path keeps having none. */
function withHost(url: URL, host: string): string {
  const copy = new URL(url.toString());
  copy.host = host;
  const text = copy.toString();
  return url.toString().endsWith('/') ? text : text.replace(/\/$/, '');
}

/**
 * What the test sets on top of the deployment's environment, each for a reason of this machine,
 * never to make the deployment files look right:
 * - `PORT`: every container listens on 3000 in its own network namespace; here the processes
 *   share one, so each gets a free port.
 * - `PROBE_ALLOWED_CIDRS=127.0.0.1/32` for the prober, the notifier and the registry (which
 *   refuses a monitor of an address the probers may not reach): the test's target and webhook
 *   receiver are on loopback, which the deployment (rightly) refuses to reach; the deployment's
 *   own PROBE_ALLOW_PRIVATE stays as it is.
 * - `DATA_DIR` for metrics: the embedded chDB's folder (see {@link LocalNetwork}).
 */
export interface TestOverrides {
  port: number;
  dataDir: string;
}

export function testOverrides(app: App, o: TestOverrides): Record<string, string> {
  const env: Record<string, string> = { PORT: String(o.port) };
  if (app === 'prober' || app === 'notifier' || app === 'monitor-registry')
    env.PROBE_ALLOWED_CIDRS = '127.0.0.1/32';
  if (app === 'metrics') env.DATA_DIR = o.dataDir;
  return env;
}

/** The apps of a deployment, each started as its own process, and what the scenario needs. */
export class DeploymentRun {
  readonly processes: { app: App; process: AppProcess; url: string }[] = [];
  private db?: TestDatabase;
  private dataDir?: string;
  private target?: TargetServer;
  private receiver?: AlertReceiver;

  /**
   * Starts every app with `envs(app, local)` (its deployment environment, already moved onto
   * this machine) plus the test's overrides, and waits until each is ready.
   */
  async start(
    envs: (local: LocalEndpoints) => Map<App, Record<string, string>>,
  ): Promise<Map<App, Record<string, string>>> {
    this.db = await createTestDatabase();
    this.dataDir = await mkdtemp(join(tmpdir(), 'uptime-deployment-'));
    const ports = new Map<App, number>();
    for (const app of APPS) ports.set(app, await freePort());
    const local: LocalEndpoints = {
      databaseUrl: this.db.url,
      gatewayPort: ports.get('gateway')!,
      closedPort: await freePort(),
    };
    const given = envs(local);
    for (const app of APPS) {
      const env = given.get(app);
      assert.ok(env, `the deployment runs no ${app}`);
      const port = ports.get(app)!;
      const full = { ...env, ...testOverrides(app, { port, dataDir: this.dataDir }) };
      const proc = AppProcess.start(app, full);
      this.processes.push({ app, process: proc, url: `http://127.0.0.1:${port}` });
    }
    for (const { process: proc, url } of this.processes) await proc.waitReady(url, 90_000);
    return given;
  }

  gatewayUrl(): string {
    return this.processes.find((p) => p.app === 'gateway')!.url;
  }

  /**
   * A user's monitor of a failing loopback target with a webhook channel: the scheduler's job
   * reaches a prober, metrics stores the down result, the notifier opens an incident and posts
   * the down alert to the receiver. Returns what was seen.
   */
  async proveCheckedStoredAlerted(): Promise<{ storedOutcome: string; alertKinds: string[] }> {
    this.target = await TargetServer.start();
    this.target.set('down', 'fail');
    this.receiver = await AlertReceiver.start();
    const api = new ApiClient(this.gatewayUrl());
    const user = await api.newUser('deployment');
    const channel = await api.post<{ id: string }>(
      '/api/v1/channels',
      {
        name: 'Loopback hook',
        type: 'webhook',
        config: { url: this.receiver.url, secret: 'a-webhook-secret-of-some-length' },
      },
      user.accessToken,
    );
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    const monitor = await api.post<{ id: string; regions: string[] }>(
      '/api/v1/monitors',
      {
        name: 'Deployment canary',
        url: this.target.url('down'),
        intervalSeconds: 10,
        timeoutMs: 2000,
        channelIds: [channel.body.id],
      },
      user.accessToken,
    );
    assert.equal(monitor.status, 201, JSON.stringify(monitor.body));
    const id = monitor.body.id;
    const stored = await waitFor(
      'the check stored by metrics',
      async () => {
        const res = await api.get<{ items: { outcome: string; region: string }[] }>(
          `/api/v1/monitors/${id}/checks`,
          user.accessToken,
        );
        return res.status === 200 && res.body.items[0];
      },
      60_000,
      500,
    );
    await waitFor('the down alert at the webhook', () => this.receiver!.of(id, 'down')[0], 30_000);
    assert.ok((this.target.hits.get('down') ?? 0) >= 1, 'the prober reached the target');
    return { storedOutcome: stored.outcome, alertKinds: this.receiver.kindsOf(id) };
  }

  private stopping?: Promise<(number | null)[]>;

  /**
   * Stops every app (SIGTERM, as Kubernetes and compose do) and removes what the run made; the
   * apps' exit codes, in the order of {@link APPS}. Once: later calls get the same answer.
   */
  stop(): Promise<(number | null)[]> {
    return (this.stopping ??= this.stopAll());
  }

  private async stopAll(): Promise<(number | null)[]> {
    // All at once, as `docker compose down` and a namespace deletion do.
    const codes = await Promise.all(
      this.processes.map(({ process: proc }) => proc.stop('SIGTERM').catch(() => null)),
    );
    await this.target?.close();
    await this.receiver?.close();
    await this.db?.drop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
    return codes;
  }

  /** Each app's stderr, for a failure message. */
  logs(): string {
    return this.processes.map((p) => `--- ${p.app}\n${p.process.stderr}`).join('\n');
  }
}

/**
 * Each app's configuration loader over the environment the deployment gives it: a start that
 * would stop with a config error fails here, with the same message. Returns the regions each
 * app works with, which must agree (a prober's region among the ones the scheduler publishes,
 * the gateway accepts and the notifier judges).
 */
export function loadDeploymentConfigs(envs: Map<App, Record<string, string>>): {
  proberRegion: string;
  scheduled: string[];
  accepted: string[];
  judged: string[];
} {
  const env = (app: App) => {
    const e = envs.get(app);
    assert.ok(e, `the deployment runs no ${app}`);
    return e;
  };
  loadRegistryConfig(env('monitor-registry'));
  loadMetricsConfig(env('metrics'));
  return {
    proberRegion: loadProberConfig(env('prober')).region,
    scheduled: loadSchedulerConfig(env('scheduler')).defaultRegions,
    accepted: loadGatewayConfig(env('gateway')).defaultRegions,
    judged: loadNotifierConfig(env('notifier')).defaultRegions,
  };
}
