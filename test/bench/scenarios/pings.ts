import type { MonitorReply } from '@uptime/contracts';
import { ApiClient } from '../../support/api-client';
import { BenchInfra } from '../harness/infra';
import { PlatformProcesses } from '../harness/platform-processes';
import type { ScenarioReport } from '../harness/report';
import { quantile, round } from '../harness/stats';
import type { BenchOptions, Scenario } from './scenario';

/** Heartbeat monitors per `POST /monitors/bulk`. */
const PER_REQUEST = 500;

/**
 * Heartbeat pings per second through the gateway, from outside: `npm start`'s single process
 * (or `--mode=per-app`: one OS process per app, the gateway alone in its own),
 * heartbeat monitors created through the API, then `--concurrency` clients pinging their ping
 * URLs round robin over keep-alive connections until `--pings` are sent or `--seconds` pass.
 * Each ping resolves its token (remembered), reads and clears the run's start in the
 * `heartbeats` KV bucket, publishes a result to CHECK_RESULTS and records the ping time.
 */
export const pingsScenario: Scenario = {
  name: 'pings',
  description: 'heartbeat pings per second through the gateway (GET /ping/{token})',
  async run(options: BenchOptions): Promise<ScenarioReport> {
    const monitors = options.int('monitors', 500);
    const concurrency = options.int('concurrency', 32);
    const maxPings = options.int('pings', 30_000);
    const seconds = options.int('seconds', 20);
    const mode = options.string('mode', 'single');
    if (mode !== 'single' && mode !== 'per-app')
      throw new Error(`--mode must be single or per-app, got ${mode}`);
    const infra = await BenchInfra.start();
    let platform: PlatformProcesses | undefined;
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let elapsedMs = 0;
    let recorded = 0;
    let baseline: Load | undefined;
    try {
      platform = await PlatformProcesses.start(mode, infra, {
        // The throughput of the path, not of the per-token limit.
        PINGS_PER_MINUTE_PER_TOKEN: '100000',
      });
      const api = new ApiClient(platform.gatewayUrl);
      const paths = await createHeartbeats(api, monitors);
      // One ping per monitor first: every token is resolved and remembered before timing.
      for (const path of paths) await fetch(`${platform.gatewayUrl}${path}`).then((r) => r.text());
      // The gateway's cheapest route under the same client, for scale on this machine now.
      baseline = await load(
        platform.gatewayUrl,
        ['/health/live'],
        concurrency,
        maxPings,
        seconds / 2,
      );
      const before = await pingsRecorded(platform);
      let sent = 0;
      const started = performance.now();
      const deadline = started + seconds * 1000;
      const worker = async () => {
        while (sent < maxPings && performance.now() < deadline) {
          const path = paths[sent++ % paths.length]!;
          const at = performance.now();
          const res = await fetch(`${platform!.gatewayUrl}${path}`);
          await res.text();
          latencies.push(performance.now() - at);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      elapsedMs = performance.now() - started;
      recorded = (await pingsRecorded(platform)) - before;
    } finally {
      await platform?.stop();
      await infra.stop();
    }
    const ok = statuses.get(200) ?? 0;
    const perSecond = ok / (elapsedMs / 1000);
    return {
      scenario: 'pings',
      parameters: {
        monitors,
        concurrency,
        maxPings,
        maxSeconds: seconds,
        platform: mode === 'single' ? 'single process (npm start)' : 'one process per app',
      },
      rows: [
        {
          route: 'GET /ping/{token}',
          pings: latencies.length,
          ok,
          refused: latencies.length - ok,
          'recorded (gateway counter)': recorded,
          seconds: round(elapsedMs / 1000, 1),
          'pings/s': round(perSecond, 0),
          'p50 ms': round(quantile(latencies, 0.5), 1),
          'p95 ms': round(quantile(latencies, 0.95), 1),
          'p99 ms': round(quantile(latencies, 0.99), 1),
          'max ms': round(quantile(latencies, 1), 1),
        },
        {
          route: 'GET /health/live (baseline)',
          pings: baseline?.latencies.length ?? 0,
          ok: baseline?.ok ?? 0,
          refused: null,
          'recorded (gateway counter)': null,
          seconds: round((baseline?.elapsedMs ?? 0) / 1000, 1),
          'pings/s': round(baseline ? baseline.ok / (baseline.elapsedMs / 1000) : undefined, 0),
          'p50 ms': round(quantile(baseline?.latencies ?? [], 0.5), 1),
          'p95 ms': round(quantile(baseline?.latencies ?? [], 0.95), 1),
          'p99 ms': round(quantile(baseline?.latencies ?? [], 0.99), 1),
          'max ms': round(quantile(baseline?.latencies ?? [], 1), 1),
        },
      ],
      targets: [
        {
          target: 'every ping answered 200 and recorded',
          measured: `${ok} of ${latencies.length} answered 200, ${recorded} recorded`,
          met: ok === latencies.length && recorded === ok,
        },
      ],
      notes: [
        `Statuses: ${JSON.stringify(Object.fromEntries(statuses))}.`,
        'The baseline row is the gateway cheapest route (GET /health/live), measured in the same run by the same clients for half the time: it shows what this machine gave the gateway at that moment.',
        'Each ping answers after its result is stored in CHECK_RESULTS and its time in the heartbeats KV bucket (two JetStream acknowledgements, after one KV read for a pending /start). The metrics and notifier consumers run in the same process and take their share of the CPU while the results arrive. Everything (platform, NATS, PostgreSQL, client) runs on this machine over loopback.',
      ],
    };
  },
};

interface Load {
  latencies: number[];
  ok: number;
  elapsedMs: number;
}

/** `concurrency` clients GETting `paths` round robin until `maxRequests` or `seconds`. */
async function load(
  baseUrl: string,
  paths: string[],
  concurrency: number,
  maxRequests: number,
  seconds: number,
): Promise<Load> {
  const latencies: number[] = [];
  let ok = 0;
  let sent = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (sent < maxRequests && performance.now() < deadline) {
      const path = paths[sent++ % paths.length]!;
      const at = performance.now();
      const res = await fetch(`${baseUrl}${path}`);
      await res.text();
      latencies.push(performance.now() - at);
      if (res.status === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, ok, elapsedMs: performance.now() - started };
}

/** `monitors` heartbeat monitors of one new user; answers their ping URLs' paths. */
async function createHeartbeats(api: ApiClient, count: number): Promise<string[]> {
  const token = (await api.newUser('bench-pings')).accessToken;
  const paths: string[] = [];
  for (let first = 0; first < count; first += PER_REQUEST) {
    const monitors = Array.from({ length: Math.min(PER_REQUEST, count - first) }, (_, i) => ({
      name: `bench heartbeat ${first + i}`,
      type: 'heartbeat',
      heartbeat: { periodSeconds: 3600, graceSeconds: 60 },
    }));
    const res = await api.post<{ items: MonitorReply[] }>(
      '/api/v1/monitors/bulk',
      { monitors },
      token,
    );
    if (res.status !== 201)
      throw new Error(`heartbeats not created: ${res.status} ${JSON.stringify(res.body)}`);
    for (const m of res.body.items) paths.push(new URL(m.pingUrl!).pathname);
  }
  return paths;
}

/** The gateway's count of recorded pings (`uptime_gateway_pings_total{kind="ping"}`). */
async function pingsRecorded(platform: PlatformProcesses): Promise<number> {
  const text = await (await fetch(platform.metricsUrl('gateway'))).text();
  const line = text.split('\n').find((l) => l.startsWith('uptime_gateway_pings_total{kind="ping"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
