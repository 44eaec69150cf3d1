import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Pool } from 'undici';
import { join, resolve } from 'node:path';
import { migrateClickHouse } from '../../../apps/metrics/src/checks/clickhouse-schema';
import { connectClickHouse } from '../../../apps/metrics/src/clickhouse/clickhouse.provider';
import { loadMetricsConfig } from '../../../apps/metrics/src/config';
import { ApiClient } from '../../support/api-client';
import { createMonitorsInBulk } from '../harness/bulk-monitors';
import { seedChecks, settleMerges } from '../harness/check-seeder';
import { BenchInfra } from '../harness/infra';
import { PlatformProcesses } from '../harness/platform-processes';
import { RESULTS_DIR, type Row, type ScenarioReport } from '../harness/report';
import { quantile, round, sleep } from '../harness/stats';
import type { BenchOptions, Scenario } from './scenario';

const WARMUP = 20;
const P95_TARGET_MS = 50;
const SIZE_TARGET_BYTES = 100_000;

/**
 * The public status page as visitors load it: a page of 50 monitors with 90 days of 1-minute
 * checks (seeded straight into the metrics app's chDB while the platform is stopped), asked for
 * over HTTP from outside the gateway, one request at a time, with the page's cache warm, then
 * paced across the cache's expiry. The seeded history has failures on every day, the largest
 * page for its monitors. Builds can be compared in turns on the same seeded data.
 */
export const statusPageScenario: Scenario = {
  name: 'status-page',
  description:
    'public status page of 50 monitors × 90 days over HTTP: render latency p50/p95/p99 (warm cache) and bytes',
  async run(options: BenchOptions): Promise<ScenarioReport> {
    const monitors = options.int('monitors', 50);
    const days = options.int('days', 90);
    const requests = options.int('requests', 2000);
    // `--builds=label=path/to/dist,...` compares builds side by side in one run (the last one is
    // judged against the targets); `--rounds` repeats them in turn; `--profile` takes a V8 CPU
    // profile of each platform process into test/bench/profiles; `--expiry-seconds` is how long
    // the paced run lasts (0: none).
    const builds = options
      .string('builds', 'this')
      .split(',')
      .map((b) => {
        const [label, dist] = b.includes('=') ? b.split('=') : [b, undefined];
        return { label: label!, dist: dist ? resolve(dist) : undefined };
      });
    const rounds = Math.max(1, options.int('rounds', 1));
    const expirySeconds = options.int('expiry-seconds', 65);
    const profile = options.flag('profile');
    const infra = await BenchInfra.start();
    const env = { JWT_SECRET: randomBytes(32).toString('hex') };
    let platform: PlatformProcesses | undefined;
    try {
      platform = await PlatformProcesses.start('single', infra, env);
      const api = new ApiClient(platform.gatewayUrl);
      const user = await api.newUser('bench-status');
      const monitorIds = await createMonitorsInBulk(api, user.accessToken, {
        from: 0,
        to: monitors,
        concurrency: 1,
        monitorOf: (i) => ({
          name: `Service ${i}`,
          url: `https://127.0.0.1:9/health/${i}`,
          intervalSeconds: 60,
          paused: true,
        }),
      });
      const slug = `bench-${Date.now().toString(36)}`;
      const page = await api.post(
        '/api/v1/status-pages',
        { slug, title: 'Bench status', monitorIds, public: true },
        user.accessToken,
      );
      if (page.status !== 201) throw new Error(`status page: ${page.status}`);
      await platform.stop();
      platform = undefined;

      const config = loadMetricsConfig({ NATS_URL: infra.natsUrl, DATA_DIR: infra.dataDir });
      const client = connectClickHouse(config.clickhouse);
      let seeded: { rows: number; seconds: number };
      try {
        await migrateClickHouse(client, {
          database: config.database,
          rawRetentionDays: config.rawRetentionDays,
        });
        seeded = await seedChecks(client, {
          database: config.database,
          monitorIds,
          ownerId: user.id,
          region: 'local',
          days,
          until: new Date(),
          monitorsPerInsert: 25,
        });
        await settleMerges(client, config.database, 5 * 60_000);
      } finally {
        await client.close().catch(() => undefined);
      }

      const rows: Row[] = [];
      const slowest: string[] = [];
      let size: { html: number; gzip: number } | undefined;
      // Builds take turns (A B A B …), so a load that comes and goes on a shared host falls on
      // each of them alike.
      for (let turn = 1; turn <= rounds; turn++) {
        for (const build of builds) {
          platform = await PlatformProcesses.start('single', infra, env, {
            dist: build.dist,
            nodeArgs: profile ? profileArgs(build.label) : [],
          });
          const measured = await measure(platform.gatewayUrl, slug, requests, expirySeconds);
          await platform.stop();
          platform = undefined;
          size ??= { html: measured.htmlBytes, gzip: measured.gzipBytes };
          for (const row of measured.rows) rows.push({ build: build.label, round: turn, ...row });
          slowest.push(`${build.label} round ${turn}: slowest as sent ${measured.slowest}`);
          for (const row of measured.rows.map((r) => ({ build: build.label, round: turn, ...r })))
            process.stdout.write(`   ${JSON.stringify(row)}\n`);
        }
      }
      const judged = builds[builds.length - 1]!.label;
      const p95s = rows
        .filter((r) => r.build === judged && r.measure === AS_SENT)
        .map((r) => Number(r.p95_ms));
      const worstP95 = Math.max(...p95s);
      return {
        scenario: 'status-page',
        parameters: {
          monitors,
          days,
          requests,
          expirySeconds,
          seededChecks: seeded.rows,
          builds: builds.map((b) => `${b.label}=${b.dist ?? 'dist'}`),
          rounds,
        },
        rows,
        targets: [
          {
            target: `p95 < ${P95_TARGET_MS} ms (${judged}, page as sent, worst round)`,
            measured: `${worstP95} ms`,
            met: worstP95 < P95_TARGET_MS,
          },
          {
            target: `page < ${SIZE_TARGET_BYTES / 1000} KB as sent (gzip)`,
            measured: `${size!.gzip} bytes gzip, ${size!.html} bytes HTML`,
            met: size!.gzip < SIZE_TARGET_BYTES,
          },
        ],
        notes: [
          `Seeded ${seeded.rows} checks in ${round(seeded.seconds, 1)} s; every day of every monitor has failed checks, so each day is its own bar with its own figures: the largest HTML for ${monitors} monitors. A month of clean days is one element (the unit spec's typical 50-monitor page is ~56 KB of HTML).`,
          `A platform is started afresh for each build and round; 20 warm-up requests, then ${requests} rounds of three sequential requests from this process over loopback (keep-alive): the page as sent (undici, gzip bytes read, not inflated: what the server answers), the page through fetch (which inflates the ${size!.html} bytes of HTML, as a browser does: the client's own work, the measure of the runs before 2026-12-02 12:00), and GET /health/live (the floor: the same client, process and moment, the cheapest route).`,
          'server ≤ 10 ms: the share of the page requests that the gateway itself answered within 10 ms (its http_request_duration_seconds histogram, from routing to the last byte written). load: the 1-minute load average before → after.',
          `across expiry: the page as sent, 20 requests a second for ${expirySeconds} s, so the 30 s cache runs out at least twice: a build that makes requests wait shows in p99 and max (slow = over 100 ms).`,
          ...slowest,
        ],
      };
    } finally {
      await platform?.stop();
      await infra.stop();
    }
  },
};

const AS_SENT = 'page as sent (gzip bytes)';

interface Measured {
  rows: Row[];
  htmlBytes: number;
  gzipBytes: number;
  /** The ten slowest page requests as sent: when in the run, and how long. */
  slowest: string;
}

/** Timings of one kind of request, in ms, with when each began (ms into the run). */
class Timings {
  readonly ms: number[] = [];
  readonly at: number[] = [];

  async time<T>(began: number, request: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await request();
    this.ms.push(performance.now() - started);
    this.at.push(started - began);
    return result;
  }

  row(measure: string, extra: Row = {}): Row {
    const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => round(quantile(this.ms, q), 2));
    return {
      measure,
      requests: this.ms.length,
      p50_ms: p50,
      p95_ms: p95,
      p99_ms: p99,
      max_ms: round(Math.max(...this.ms), 2),
      ...extra,
    };
  }
}

/**
 * Warm-up, then `requests` rounds of the page as sent, the page through fetch and the floor,
 * then the page at 20 requests a second for `expirySeconds`.
 */
async function measure(
  gatewayUrl: string,
  slug: string,
  requests: number,
  expirySeconds: number,
): Promise<Measured> {
  const path = `/status/${slug}`;
  const url = `${gatewayUrl}${path}`;
  const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
  const html = await plain.text();
  if (plain.status !== 200) throw new Error(`GET ${path}: ${plain.status}`);
  // One connection, kept alive, bytes read as they come: no inflating, no WHATWG streams.
  const pool = new Pool(gatewayUrl, { connections: 1 });
  const asSent = async () => {
    const res = await pool.request({ path, method: 'GET', headers: { 'accept-encoding': 'gzip' } });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode}`);
    return body.length;
  };
  try {
    for (let i = 0; i < WARMUP; i++) {
      await asSent();
      await (await fetch(url)).arrayBuffer();
    }
    // The process has just started: let its start-up work (JIT, first subscriptions) settle.
    await sleep(2000);
    const before = await serverHistogram(gatewayUrl);
    const loadBefore = loadavg()[0]!;
    const sent = new Timings();
    const fetched = new Timings();
    const floor = new Timings();
    const began = performance.now();
    let gzipBytes = 0;
    for (let i = 0; i < requests; i++) {
      gzipBytes = await sent.time(began, asSent);
      await fetched.time(began, async () => {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
      });
      await floor.time(began, async () => {
        const res = await pool.request({ path: '/health/live', method: 'GET' });
        await res.body.arrayBuffer();
      });
    }
    const seconds = (performance.now() - began) / 1000;
    const loadAfter = loadavg()[0]!;
    const after = await serverHistogram(gatewayUrl);
    const answered = after.count - before.count;
    const within = after.within10ms - before.within10ms;
    const load = `${round(loadBefore, 2)} → ${round(loadAfter, 2)}`;

    // Paced, not back to back: long enough for the cache to run out, as real visitors see it.
    const paced = new Timings();
    const pacedBegan = performance.now();
    const pacedLoad = loadavg()[0]!;
    for (let i = 0; i < expirySeconds * 20; i++) {
      const due = pacedBegan + i * 50;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await paced.time(pacedBegan, asSent);
    }
    const slow = paced.ms.filter((ms) => ms > 100).length;
    const slowest = sent.ms
      .map((ms, i) => ({ ms, i }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10)
      .map(({ ms, i }) => `${round(ms, 1)} ms at ${round(sent.at[i]! / 1000, 1)} s`)
      .join(', ');
    return {
      rows: [
        sent.row(AS_SENT, {
          'server ≤ 10 ms': answered > 0 ? `${round((within / answered) * 100, 2)} %` : '–',
          seconds: round(seconds, 1),
          load,
        }),
        fetched.row('page through fetch (inflated)', { load }),
        floor.row('GET /health/live (floor)', { load }),
        ...(expirySeconds > 0
          ? [
              paced.row(`page as sent, 20/s across expiry (${expirySeconds} s)`, {
                'slow > 100 ms': slow,
                load: `${round(pacedLoad, 2)} → ${round(loadavg()[0]!, 2)}`,
              }),
            ]
          : []),
      ],
      htmlBytes: Buffer.byteLength(html),
      gzipBytes,
      slowest,
    };
  } finally {
    await pool.close();
  }
}

/** The gateway's own count of answered `GET /status/:slug` 200s, all and those within 10 ms. */
async function serverHistogram(gatewayUrl: string): Promise<{ count: number; within10ms: number }> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const series = text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('http_request_duration_seconds_') &&
        line.includes('route="/status/:slug"') &&
        line.includes('status="200"'),
    );
  const value = (name: string, le?: string) =>
    Number(
      series
        .find((l) => l.startsWith(`${name}{`) && (le === undefined || l.includes(`le="${le}"`)))
        ?.split(' ')
        .pop() ?? 0,
    );
  return {
    count: value('http_request_duration_seconds_count'),
    within10ms: value('http_request_duration_seconds_bucket', '0.01'),
  };
}

function profileArgs(label: string): string[] {
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${join(RESULTS_DIR, '..', 'profiles')}`,
    `--cpu-prof-name=status-page-${label}-\${pid}.cpuprofile`,
  ];
}
