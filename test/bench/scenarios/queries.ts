import type { ClickHouseClient } from '@clickhouse/client';
import {
  MAX_RESPONSE_TIME_IDS,
  type MonitorStats,
  type Page,
  type ResponseTimesBatchReply,
  type ResponseTimeSeries,
  type StatsWindow,
} from '@uptime/contracts';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { CheckStore } from '../../../apps/metrics/src/checks/check-store';
import { ChecksDatabase } from '../../../apps/metrics/src/checks/checks-database';
import { migrateClickHouse } from '../../../apps/metrics/src/checks/clickhouse-schema';
import { connectClickHouse } from '../../../apps/metrics/src/clickhouse/clickhouse.provider';
import { loadMetricsConfig, type MetricsConfig } from '../../../apps/metrics/src/config';
import { ApiClient } from '../../support/api-client';
import { seedChecks, settleMerges, type TableSize, tableSizes } from '../harness/check-seeder';
import { createMonitorsInBulk } from '../harness/bulk-monitors';
import { BenchInfra } from '../harness/infra';
import { waitUntilQuiet } from '../harness/process-usage';
import { PlatformProcesses } from '../harness/platform-processes';
import type { Row, ScenarioReport, TargetCheck } from '../harness/report';
import { quantile, round } from '../harness/stats';
import type { BenchOptions, Scenario } from './scenario';

const API = '/api/v1';
const DAY_MS = 24 * 60 * 60 * 1000;
const WINDOWS: StatsWindow[] = ['1h', '24h', '7d', '30d'];
/** Requests per endpoint before measuring: JIT, connection pools, ClickHouse's mark cache. */
const WARMUP = 10;
/** Merges after the seed may take a while at full size; a production table has had hours. */
const SETTLE_TIMEOUT_MS = 15 * 60_000;

interface Params {
  monitors: number;
  days: number;
  samples: number;
  dashboardSamples: number;
}

/** One query to time: per monitor (a random one each sample) or for the whole account. */
interface Probe<C> {
  name: string;
  /** How it is asked: the route, or the store method. */
  via: string;
  perMonitor: boolean;
  run(ctx: C, monitorId: string): Promise<unknown>;
}

interface Timed {
  name: string;
  via: string;
  samples: number[];
  /** The last answer, for the sanity notes. */
  last: unknown;
}

interface Session {
  api: ApiClient;
  token: string;
}

interface SeedReport {
  rows: number;
  seconds: number;
  settleSeconds: number;
  settled: boolean;
  sizes: TableSize[];
  store: Timed[];
}

/**
 * Read latency over a realistic history: monitors created through the API, 30 days of 1-minute
 * checks written straight into the metrics app's ClickHouse (with the platform stopped, since
 * chDB lets one process hold its folder), then stats, history, response-time series and the
 * dashboard asked through the gateway one at a time, as a user's browser would.
 */
export const queriesScenario: Scenario = {
  name: 'queries',
  description:
    'stats (1h–30d), history, response times and dashboard over days of 1-minute checks of many monitors (default 30 days × 1,000)',
  async run(options: BenchOptions): Promise<ScenarioReport> {
    const samples = options.int('samples', 200);
    const params: Params = {
      monitors: options.int('monitors', 1000),
      days: options.int('days', 30),
      samples,
      dashboardSamples: Math.max(10, Math.round(samples / 4)),
    };
    if (params.monitors < 1 || params.days < 1 || samples < 1)
      throw new Error('--monitors, --days and --samples must be at least 1');
    const infra = await BenchInfra.start();
    // The same secret across both starts, so the first start's account still logs in.
    const env = { JWT_SECRET: randomBytes(32).toString('hex') };
    let platform: PlatformProcesses | undefined;
    try {
      platform = await PlatformProcesses.start('single', infra, env);
      let api = new ApiClient(platform.gatewayUrl);
      const user = await api.newUser('bench-queries');
      // Paused: nothing probes them, yet stats, history and the dashboard read them like any other.
      const monitorIds = await createMonitorsInBulk(api, user.accessToken, {
        from: 0,
        to: params.monitors,
        concurrency: 2,
        monitorOf: (i) => ({
          name: `bench monitor ${i}`,
          url: `https://127.0.0.1:9/health/${i}`,
          intervalSeconds: 60,
          timeoutMs: 10_000,
          maxLatencyMs: 1000,
          paused: true,
        }),
      });
      await platform.stop();
      platform = undefined;

      const config = loadMetricsConfig({ NATS_URL: infra.natsUrl, DATA_DIR: infra.dataDir });
      const seed = await seedAndProbeStore(config, params, monitorIds, user.id);

      platform = await PlatformProcesses.start('single', infra, env);
      api = new ApiClient(platform.gatewayUrl);
      const token = await login(api, user.email, user.password);
      const settled = await waitUntilQuiet([...platform.pids.values()]);
      const loadBefore = loadavg()[0]!;
      const gateway = await measure(
        gatewayProbes(monitorIds),
        { api, token },
        monitorIds,
        params.samples,
        params.dashboardSamples,
      );
      const load = { before: loadBefore, after: loadavg()[0]!, settled };
      sanityCheck(gateway, params);
      return report(params, seed, gateway, load);
    } finally {
      await platform?.stop();
      await infra.stop();
    }
  },
};

async function login(api: ApiClient, email: string, password: string): Promise<string> {
  const res = await api.post<{ accessToken: string }>(`${API}/auth/login`, { email, password });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

/**
 * In this process, on the metrics app's own folder and schema code: seed, let merges settle,
 * measure sizes, and time the store's methods without the gateway, NATS and the registry (the
 * part of each request ClickHouse is responsible for).
 */
async function seedAndProbeStore(
  config: MetricsConfig,
  params: Params,
  monitorIds: string[],
  ownerId: string,
): Promise<SeedReport> {
  const client = connectClickHouse(config.clickhouse);
  try {
    await migrateClickHouse(client, {
      database: config.database,
      rawRetentionDays: config.rawRetentionDays,
    });
    const seeded = await seedChecks(client, {
      database: config.database,
      monitorIds,
      ownerId,
      region: 'local',
      days: params.days,
      until: new Date(),
      monitorsPerInsert: 100,
    });
    const settle = await settleMerges(client, config.database, SETTLE_TIMEOUT_MS);
    const sizes = await tableSizes(client, config.database);
    const store = await measure(
      storeProbes(monitorIds),
      new CheckStore(new ChecksDatabase(client, config.database)),
      monitorIds,
      Math.min(params.samples, 100),
      params.dashboardSamples,
    );
    return {
      ...seeded,
      settleSeconds: settle.seconds,
      settled: settle.settled,
      sizes,
      store,
    };
  } finally {
    await closeQuietly(client);
  }
}

async function closeQuietly(client: ClickHouseClient): Promise<void> {
  await client.close().catch(() => undefined);
}

function thirtyDaysAgo(): string {
  return new Date(Date.now() - 30 * DAY_MS).toISOString();
}

/** A screenful of the monitors list: the ids one sparkline request carries at most. */
function listedIds(monitorIds: string[]): string[] {
  return monitorIds.slice(0, MAX_RESPONSE_TIME_IDS);
}

function gatewayProbes(monitorIds: string[]): Probe<Session>[] {
  const get = (path: string) => async (s: Session) => {
    const res = await s.api.get(path, s.token);
    if (res.status !== 200)
      throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const perMonitor = (name: string, route: string, query = () => ''): Probe<Session> => ({
    name,
    via: `GET ${API}/monitors/{id}/${route}`,
    perMonitor: true,
    run: (s, id) => get(`${API}/monitors/${id}/${route}${query()}`)(s),
  });
  return [
    ...WINDOWS.map((w) => perMonitor(`stats ${w}`, `stats?window=${w}`)),
    perMonitor('history, first page (50)', 'checks'),
    perMonitor('response times 24h (15m buckets)', 'response-times'),
    perMonitor(
      'response times 30d (1d buckets)',
      'response-times',
      () => `?from=${encodeURIComponent(thirtyDaysAgo())}`,
    ),
    {
      name: 'dashboard (all monitors)',
      via: `GET ${API}/dashboard`,
      perMonitor: false,
      run: get(`${API}/dashboard`),
    },
    {
      name: `sparklines 24h (${MAX_RESPONSE_TIME_IDS} monitors)`,
      via: `GET ${API}/monitors/response-times?ids=…`,
      perMonitor: false,
      run: get(`${API}/monitors/response-times?ids=${listedIds(monitorIds).join(',')}`),
    },
  ];
}

function storeProbes(monitorIds: string[]): Probe<CheckStore>[] {
  return [
    ...WINDOWS.map((w): Probe<CheckStore> => ({
      name: `stats ${w}`,
      via: 'CheckStore.stats',
      perMonitor: true,
      run: (store, id) => store.stats(id, w),
    })),
    {
      name: 'history, first page (50)',
      via: 'CheckStore.list',
      perMonitor: true,
      run: (store, id) => store.list(id, { sort: 'desc', limit: 50 }),
    },
    {
      name: 'response times 24h (15m buckets)',
      via: 'CheckStore.responseTimes',
      perMonitor: true,
      run: (store, id) => store.responseTimes(id, {}),
    },
    {
      name: 'response times 30d (1d buckets)',
      via: 'CheckStore.responseTimes',
      perMonitor: true,
      run: (store, id) => store.responseTimes(id, { from: thirtyDaysAgo() }),
    },
    {
      name: 'dashboard (all monitors)',
      via: 'CheckStore.latest',
      perMonitor: false,
      run: (store) => store.latest(monitorIds),
    },
    {
      name: `sparklines 24h (${MAX_RESPONSE_TIME_IDS} monitors)`,
      via: 'CheckStore.responseTimesOf',
      perMonitor: false,
      run: (store) =>
        store.responseTimesOf(
          listedIds(monitorIds),
          new Date(Date.now() - DAY_MS),
          new Date(),
          '15m',
        ),
    },
  ];
}

/**
 * One request at a time, round-robin over the probes (so a background merge or a noisy
 * neighbour hits every endpoint alike), a random monitor per sample; whole-account probes run
 * `wholeSamples` times, spread over the rounds.
 */
async function measure<C>(
  probes: Probe<C>[],
  ctx: C,
  monitorIds: string[],
  samples: number,
  wholeSamples: number,
): Promise<Timed[]> {
  const pick = () => monitorIds[Math.floor(Math.random() * monitorIds.length)]!;
  for (const probe of probes) for (let i = 0; i < WARMUP; i++) await probe.run(ctx, pick());
  const timed: Timed[] = probes.map((p) => ({
    name: p.name,
    via: p.via,
    samples: [],
    last: undefined,
  }));
  const every = Math.max(1, Math.floor(samples / wholeSamples));
  for (let round = 0; round < samples; round++) {
    for (const [i, probe] of probes.entries()) {
      if (!probe.perMonitor && round % every !== 0) continue;
      const began = performance.now();
      const answer = await probe.run(ctx, pick());
      timed[i]!.samples.push(performance.now() - began);
      timed[i]!.last = answer;
    }
  }
  return timed;
}

function latencyRow(layer: string, t: Timed): Row {
  return {
    layer,
    query: t.name,
    via: t.via,
    samples: t.samples.length,
    'p50 ms': round(quantile(t.samples, 0.5), 1),
    'p95 ms': round(quantile(t.samples, 0.95), 1),
    'max ms': round(Math.max(...t.samples), 1),
  };
}

function p95Of(timed: Timed[], name: string): number {
  const t = timed.find((x) => x.name === name);
  if (!t) throw new Error(`no measurement named ${name}`);
  return quantile(t.samples, 0.95) ?? Number.NaN;
}

interface DashboardAnswer {
  items: { lastCheckedAt: string | null; uptime24hPercent: number | null }[];
}

/**
 * Fast answers are worthless if they are empty: the dashboard must list every monitor with a
 * last check, and a 30-day stats answer must count about a check a minute.
 */
function sanityCheck(gateway: Timed[], params: Params): void {
  const dashboard = gateway.find((t) => t.name.startsWith('dashboard'))?.last as DashboardAnswer;
  if (dashboard.items.length !== params.monitors)
    throw new Error(`dashboard listed ${dashboard.items.length} of ${params.monitors} monitors`);
  const missing = dashboard.items.filter((i) => i.lastCheckedAt === null).length;
  if (missing > 0) throw new Error(`dashboard: ${missing} monitors without a last check`);
  const sparklines = gateway.find((t) => t.name.startsWith('sparklines'))
    ?.last as ResponseTimesBatchReply;
  const listed = Math.min(params.monitors, MAX_RESPONSE_TIME_IDS);
  const empty = sparklines.items.filter((i) => i.points.length < 90).length;
  if (sparklines.items.length !== listed || empty > 0)
    throw new Error(
      `sparklines: ${sparklines.items.length} of ${listed} series, ${empty} with under 90 points`,
    );
  const stats = gateway.find((t) => t.name === 'stats 30d')?.last as MonitorStats;
  const expected = Math.min(params.days, 30) * 1440;
  if (stats.totalChecks < expected * 0.95)
    throw new Error(`30-day stats counted ${stats.totalChecks} checks, expected ~${expected}`);
}

function sanityNotes(gateway: Timed[]): string[] {
  const last = <T>(name: string) => gateway.find((t) => t.name === name)?.last as T;
  const stats = last<MonitorStats>('stats 30d');
  const day = last<MonitorStats>('stats 24h');
  const history = last<Page<unknown>>('history, first page (50)');
  const series = last<ResponseTimeSeries>('response times 24h (15m buckets)');
  const month = last<ResponseTimeSeries>('response times 30d (1d buckets)');
  const one = gateway.find((t) => t.name === 'response times 24h (15m buckets)')!;
  const many = gateway.find((t) => t.name.startsWith('sparklines'))!;
  const batch = many.last as ResponseTimesBatchReply;
  const oneP50 = quantile(one.samples, 0.5) ?? 0;
  return [
    `Sparklines: ${batch.items.length} series of ${batch.items[0]?.points.length ?? 0} points in one request, p50 ${round(quantile(many.samples, 0.5), 1)} ms, where one request per monitor took p50 ${round(oneP50, 1)} ms each (${round(oneP50 * batch.items.length, 0)} ms of requests for the same list).`,
    `Answers (last sample): stats 30d counted ${stats.totalChecks} checks, uptime ${stats.uptimePercent} %, p95 ${stats.p95} ms; stats 24h ${day.totalChecks} checks; history page ${history.items.length} checks; response times ${series.points.length} points (24 h) and ${month.points.length} points (30 d).`,
  ];
}

function mib(bytes: number): number | null {
  return round(bytes / 2 ** 20, 2);
}

function seedNotes(seed: SeedReport): string[] {
  const checks = seed.sizes.find((s) => s.table === 'checks');
  const total = seed.sizes.reduce((a, s) => a + s.bytesOnDisk, 0);
  const perTable = seed.sizes
    .map(
      (s) =>
        `${s.table} ${s.rows.toLocaleString('en')} rows in ${s.parts} parts, ${mib(s.bytesOnDisk)} MiB`,
    )
    .join('; ');
  return [
    `Seeded ${seed.rows.toLocaleString('en')} checks in ${round(seed.seconds, 1)} s (${round(seed.rows / seed.seconds / 1e6, 2)} M rows/s, INSERT … SELECT FROM numbers() in chDB, 100 monitors per statement, rollup views firing); merges ${seed.settled ? 'settled' : 'still running'} after ${round(seed.settleSeconds, 0)} s more.`,
    `On disk: ${perTable}; total ${mib(total)} MiB, ${checks ? round(checks.bytesOnDisk / checks.rows, 1) : '–'} bytes per raw check (${round(total / seed.rows, 1)} with the rollups).`,
    'Data: one check per monitor per minute with its own phase; latency 20–200 ms per monitor with ±15 % noise and an exponential tail; ~0.2 % timeouts, 0.1 % refused connections, 0.2 % HTTP 503 (0.5 % down), ~1 % degraded (latency above 1,000 ms), 0.02 % prober errors (counted nowhere); random check ids; TLS timings and a certificate expiry on every HTTPS answer.',
  ];
}

function report(
  params: Params,
  seed: SeedReport,
  gateway: Timed[],
  load: {
    before: number;
    after: number;
    settled: Awaited<ReturnType<typeof waitUntilQuiet>>;
  },
): ScenarioReport {
  const stats30 = p95Of(gateway, 'stats 30d');
  const dashboard = p95Of(gateway, 'dashboard (all monitors)');
  const targets: TargetCheck[] = [
    {
      target: '30-day stats p95 < 20 ms (through the gateway)',
      measured: `${round(stats30, 1)} ms`,
      met: stats30 < 20,
    },
    {
      target: `dashboard of ${params.monitors.toLocaleString('en')} monitors p95 < 100 ms (through the gateway)`,
      measured: `${round(dashboard, 1)} ms`,
      met: dashboard < 100,
    },
  ];
  return {
    scenario: 'queries',
    parameters: {
      ...params,
      warmupPerEndpoint: WARMUP,
      storeSamples: Math.min(params.samples, 100),
      mode: 'single process (npm start), chDB under DATA_DIR/clickhouse, one request at a time',
    },
    rows: [
      ...gateway.map((t) => latencyRow('gateway', t)),
      ...seed.store.map((t) => latencyRow('store', t)),
    ],
    targets,
    notes: [
      ...seedNotes(seed),
      ...sanityNotes(gateway),
      'gateway = HTTP on loopback to the platform: JWT check, then the ownership lookup (registry over NATS, PostgreSQL) and the metrics request (NATS, ClickHouse) at once; the dashboard lists the monitors first, then asks metrics. store = the same CheckStore method called in the bench process on the same data before the platform restarted, i.e. the ClickHouse part alone.',
      'The stats route also asks the notifier for an open incident, in parallel with metrics.',
      // Tail latencies on a small shared machine say as much about the neighbours as about us.
      `Load average (1 min) ${round(load.before, 1)} before and ${round(load.after, 1)} after the gateway measurement, on ${cpus().length} cores; nothing else running was stopped.`,
      `After its restart the platform was given time to finish starting (loading ClickHouse parts, filling caches) before the gateway measurement: ${load.settled.quiet ? `quiet (${round(load.settled.cores, 2)} cores over 2 s) after ${round(load.settled.seconds, 0)} s` : `still using ${round(load.settled.cores, 2)} cores after ${round(load.settled.seconds, 0)} s; measured anyway`}.`,
    ],
  };
}
