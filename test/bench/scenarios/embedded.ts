import { join, resolve } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { ApiClient } from '../../support/api-client';
import { freePort } from '@uptime/embedded';
import { createMonitorsInBulk } from '../harness/bulk-monitors';
import { EmbeddedPlatform } from '../harness/embedded-platform';
import { threadCpu, threadCpuSince, totalOf, treeCpu } from '../harness/process-tree';
import { summariseProfile } from '../harness/profile-summary';
import type { Row, ScenarioReport, TargetCheck } from '../harness/report';
import { RESULTS_DIR } from '../harness/report';
import { quantile, round, sleep } from '../harness/stats';
import { TargetFleet } from '../harness/target-fleet';
import type { BenchOptions, Scenario } from './scenario';

interface Settings {
  /** dist/ folder of the build under test, its label in the table, and settings of its own. */
  build: Build;
  intervalSeconds: number;
  rates: number[];
  measureSeconds: number;
  sample: number;
  createConcurrency: number;
  profile: boolean;
  /** `--profile-window`: a V8 CPU profile of the platform over each measured window only. */
  profileWindow: boolean;
  /** `--nats-port`: where the platform's own nats-server listens (a free port by default). */
  natsPort?: number;
  /** Measure every rate even after one did not hold (to compare CPU per check on a loaded host). */
  keepGoing: boolean;
}

interface StoredCheck {
  id: string;
  scheduledAt: string;
  startedAt: string;
  outcome: string;
  latencyMs: number;
}

/** What the bench read back through the API for the sampled monitors of one window. */
interface Readback {
  expected: number;
  stored: number;
  duplicates: number;
  lags: number[];
  firstLags: number[];
  lastLags: number[];
  /** Stored sampled checks that were not `up`, and their latencies. */
  notUp: number;
  latencies: number[];
}

/**
 * `npm start` as shipped, measured from the outside: the platform runs its own embedded
 * PostgreSQL, chDB and nats-server; monitors are created through `POST /monitors/bulk`; counts and
 * lags are read back through `GET /monitors/{id}/checks`; CPU is the platform's whole process tree
 * (node, postgres, nats-server). One platform per build climbs a ladder of check rates.
 */
export const embeddedScenario: Scenario = {
  name: 'embedded',
  description:
    'npm start as shipped (embedded PostgreSQL, chDB, its own nats-server), from the outside: missing checks, lag trend, CPU per check',
  async run(options: BenchOptions): Promise<ScenarioReport> {
    const intervalSeconds = options.int('interval', 10);
    const rates = options.ints('rates', [50, 200, 500, 1000, 2500]);
    const measure = options.int('measure', 120);
    const measureSeconds = Math.max(1, Math.round(measure / intervalSeconds)) * intervalSeconds;
    const builds = options.string('builds', 'this').split(',').map(buildOf);
    const rows: Row[] = [];
    const notes: string[] = [];
    for (const [i, build] of runOrder(builds, options.int('rounds', 1)).entries()) {
      // The previous platform's TIME_WAIT sockets (60 s) and background work settle first.
      if (i > 0) await sleep(SETTLE_BETWEEN_PLATFORMS_MS);
      const settings: Settings = {
        build,
        intervalSeconds,
        rates,
        measureSeconds,
        sample: options.int('sample', 300),
        createConcurrency: options.int('create-concurrency', 1),
        profile: options.flag('profile'),
        profileWindow: options.flag('profile-window'),
        keepGoing: options.flag('keep-going'),
        natsPort: options.int('nats-port', 0) || undefined,
      };
      rows.push(...(await runLadder(settings, notes)));
    }
    return {
      scenario: 'embedded',
      parameters: { builds, intervalSeconds, rates, measureSeconds },
      rows,
      targets: targetsOf(rows),
      notes: [
        'expected/stored/missing/dup: over a sample of monitors spread evenly over all of them, read back through GET /monitors/{id}/checks?from&to (by scheduledAt) 15 s after the window; missing % applies to every monitor.',
        'lag = startedAt − scheduledAt of the stored sampled checks; trend = lag p99 of the first minute of the window → last minute (halves for windows under 2 min). The backlog grows when the last p99 exceeds the first by more than max(250 ms, the first).',
        'CPU: the platform process and every process below it (its PostgreSQL, nats-server), from /proc, over the window; ms/check = CPU ms ÷ checks stored (sample ratio × expected); cores = CPU s ÷ wall s.',
        'create deferred: bulk requests the gateway answered 503 /problems/probers-behind (a prober started checks later than BULK_CREATE_MAX_PROBE_LAG_SECONDS), each sent again after its Retry-After; created/s includes those waits.',
        'held = 0 missing, 0 duplicated and no growing backlog. A ladder stops at its first row that does not hold.',
        ...notes,
      ],
    };
  },
};

interface Build {
  label: string;
  dist?: string;
  env?: Record<string, string>;
}

/**
 * `--builds=label=path/to/dist,...` compares builds side by side in one run; a build may carry
 * settings of its own, `label=dist?PROBE_CONCURRENCY=400&...`, to compare a setting on one build.
 */
function buildOf(spec: string): Build {
  const [label, rest] = spec.includes('=')
    ? [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)]
    : [spec, ''];
  const [dist, query] = rest.split('?');
  const env = query ? Object.fromEntries(new URLSearchParams(query)) : undefined;
  return { label, dist: dist ? resolve(dist) : undefined, env };
}

/** Between two platforms of one run: Linux keeps a closed connection in TIME_WAIT for 60 s. */
const SETTLE_BETWEEN_PLATFORMS_MS = 60_000;

/**
 * `--rounds=N` runs the builds N times, in alternating order (A B, B A, A B...), each run
 * labelled with its round. At the edge of this host's capacity the second platform of a run did
 * worse in both orders (3 December, docs/performance.md): one pair, in one order, is no evidence.
 */
function runOrder<B extends { label: string }>(builds: B[], rounds: number): B[] {
  if (rounds <= 1) return builds;
  return Array.from({ length: rounds }, (_, r) =>
    (r % 2 === 0 ? builds : [...builds].reverse()).map((b) => ({
      ...b,
      label: `${b.label} r${r + 1}`,
    })),
  ).flat();
}

async function runLadder(settings: Settings, notes: string[]): Promise<Row[]> {
  const { build, intervalSeconds } = settings;
  process.stdout.write(`-- embedded (${build.label}), ${intervalSeconds} s interval\n`);
  const rows: Row[] = [];
  const fleet = await TargetFleet.start({ addresses: 100, processes: 1 });
  const profileDir = join(RESULTS_DIR, '..', 'profiles');
  const profilesBefore = new Set(settings.profile ? profilesIn(profileDir) : []);
  let platform: EmbeddedPlatform | undefined;
  try {
    platform = await EmbeddedPlatform.start({
      dist: build.dist,
      env: build.env,
      natsPort: settings.natsPort,
      inspectPort: settings.profileWindow ? await freePort() : undefined,
      // Node's default name (`CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`): each app's
      // worker thread writes a profile of its own.
      nodeArgs: settings.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    });
    const api = new ApiClient(platform.url);
    const user = await api.newUser('bench');
    const idle = await idleCores(platform);
    notes.push(
      `${build.label}: idle platform ${round(idle, 3)} cores (whole tree, 10 s before any monitor).`,
    );
    const ids: string[] = [];
    for (const rate of settings.rates) {
      const monitors = rate * intervalSeconds;
      const began = performance.now();
      let retried = 0;
      let deferred = 0;
      const created = await createMonitorsInBulk(api, user.accessToken, {
        retries: 5,
        onRetry: () => retried++,
        onDeferred: () => deferred++,
        from: ids.length,
        to: monitors,
        concurrency: settings.createConcurrency,
        monitorOf: (i) => ({ name: `bench ${i}`, url: fleet.url(i), intervalSeconds }),
      });
      // A loop, not a spread: 150,000 arguments overflow the stack.
      for (const id of created) ids.push(id);
      // A retried request that had created its monitors leaves gaps: take the ids from the list.
      if (ids.some((id) => id === undefined)) {
        const listed = await listIds(api, user.accessToken);
        ids.length = 0;
        for (const id of listed) ids.push(id);
      }
      const createSeconds = (performance.now() - began) / 1000;
      const scheduledIn = await waitForSchedule(platform, monitors);
      // One interval for every monitor's first slot to come round, then whole intervals.
      await sleep(intervalSeconds * 1000);
      const row = await measure(platform, api, user.accessToken, ids, settings, rate);
      row['created/s'] = round(created.length / createSeconds, 0);
      row['scheduled after s'] = round(scheduledIn, 1);
      row['create retries'] = retried;
      row['create deferred'] = deferred;
      rows.push(row);
      process.stdout.write(`   ${JSON.stringify(row)}\n`);
      if (typeof row.profile === 'string' && row.profile.endsWith('.cpuprofile'))
        process.stdout.write(summariseProfile(row.profile, 15));
      if (row.held !== 'yes' && !settings.keepGoing) {
        notes.push(`${build.label}: stopped the ladder at ${rate} checks/s (${row.held}).`);
        break;
      }
    }
  } catch (err) {
    notes.push(`${build.label}: failed: ${err instanceof Error ? err.message : String(err)}`);
    process.stderr.write(`${String(err)}\n${platform?.stderr.slice(-3000) ?? ''}\n`);
  } finally {
    await platform?.stop();
    await fleet.stop();
  }
  if (settings.profile) {
    // This build's only: earlier runs and builds left theirs in the same folder.
    for (const file of profilesIn(profileDir).filter((f) => !profilesBefore.has(f))) {
      notes.push(`${build.label}: profile ${join(profileDir, file)}`);
      process.stdout.write(summariseProfile(join(profileDir, file), 30));
    }
  }
  return rows;
}

function profilesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('embedded-')) : [];
}

async function idleCores(platform: EmbeddedPlatform): Promise<number> {
  await sleep(5000);
  const before = totalOf(treeCpu(platform.pid));
  await sleep(10_000);
  return (totalOf(treeCpu(platform.pid)) - before) / 10;
}

/** Seconds until the scheduler's gauge (on the platform's public /metrics) counts every monitor. */
async function waitForSchedule(platform: EmbeddedPlatform, monitors: number): Promise<number> {
  const began = Date.now();
  const deadline = began + 10 * 60_000;
  while (Date.now() < deadline) {
    const text = await fetch(`${platform.url}/metrics`).then((r) => r.text());
    const line = text.split('\n').find((l) => /^uptime_scheduler_monitors[ {]/.test(l));
    if (line && Number(line.slice(line.lastIndexOf(' ') + 1)) >= monitors)
      return (Date.now() - began) / 1000;
    if (!platform.alive) throw new Error(`the platform exited: ${platform.stderr.slice(-2000)}`);
    await sleep(500);
  }
  throw new Error(`the scheduler did not reach ${monitors} monitors within 10 minutes`);
}

async function measure(
  platform: EmbeddedPlatform,
  api: ApiClient,
  token: string,
  ids: string[],
  settings: Settings,
  rate: number,
): Promise<Row> {
  const from = Date.now();
  const to = from + settings.measureSeconds * 1000;
  const before = treeCpu(platform.pid);
  const threadsBefore = threadCpu(platform.pid);
  const profile = settings.profileWindow
    ? platform.profileWindow(
        settings.measureSeconds,
        join(RESULTS_DIR, '..', 'profiles', `window-${settings.build.label}-${rate}.cpuprofile`),
      )
    : undefined;
  await sleep(to - Date.now());
  const after = treeCpu(platform.pid);
  const threads = threadCpuSince(platform.pid, threadsBefore);
  const profiled = await profile;
  // Checks of the window's last moments are still running or queued: give them their time.
  await sleep(15_000);
  const read = await readBack(api, token, sampleOf(ids, settings.sample), {
    from,
    to,
    slots: settings.measureSeconds / settings.intervalSeconds,
  });
  const seconds = (to - from) / 1000;
  const cpu = new Map<string, number>();
  for (const [name, value] of after) cpu.set(name, value - (before.get(name) ?? 0));
  const cpuSeconds = totalOf(cpu);
  const storedShare = read.expected ? read.stored / read.expected : 0;
  const checksStored = rate * seconds * storedShare;
  const firstP99 = quantile(read.firstLags, 0.99);
  const lastP99 = quantile(read.lastLags, 0.99);
  const growing =
    firstP99 === undefined || lastP99 === undefined
      ? read.stored === 0
      : lastP99 - firstP99 > Math.max(250, firstP99);
  const missing = read.expected - read.stored;
  const why = [
    missing > 0 ? `${missing} of ${read.expected} sampled checks missing` : '',
    read.duplicates > 0 ? `${read.duplicates} duplicated` : '',
    growing ? `backlog grows (lag p99 ${firstP99} → ${lastP99} ms)` : '',
  ].filter(Boolean);
  return {
    build: settings.build.label,
    interval: `${settings.intervalSeconds} s`,
    monitors: rate * settings.intervalSeconds,
    'checks/s': rate,
    'window s': seconds,
    sampled: Math.min(ids.length, settings.sample),
    expected: read.expected,
    stored: read.stored,
    'missing %': round((missing / Math.max(1, read.expected)) * 100, 2),
    dup: read.duplicates,
    'lag p50 ms': quantile(read.lags, 0.5) ?? null,
    'lag p99 ms': quantile(read.lags, 0.99) ?? null,
    'lag p99 trend ms': `${firstP99 ?? '–'} → ${lastP99 ?? '–'}`,
    'not up': read.notUp,
    'latency p50 ms': quantile(read.latencies, 0.5) ?? null,
    'CPU ms/check': round(checksStored ? (cpuSeconds * 1000) / checksStored : undefined, 3),
    cores: round(cpuSeconds / seconds, 2),
    'cores by process': [...cpu]
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${round(v / seconds, 2)}`)
      .join(', '),
    held: why.length ? why.join('; ') : 'yes',
    // The node process by thread: the main one is the event loop's (busy share ≈ its utilisation).
    'node threads cores': [...threads]
      .filter(([, v]) => v >= 0.005 * seconds)
      .map(([k, v]) => `${k} ${round(v / seconds, 3)}`)
      .join(', '),
    ...(profiled ? { profile: profiled } : {}),
  };
}

/** Every monitor id of the user, through `GET /monitors`. */
async function listIds(api: ApiClient, token: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const path: string = `/api/v1/monitors?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await getPatiently<{ items: { id: string }[]; nextCursor: string | null }>(
      api,
      path,
      token,
    );
    if (res.status !== 200) throw new Error(`listing monitors: ${res.status}`);
    ids.push(...res.body.items.map((m) => m.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  return ids;
}

/** A GET asked again (up to 10 times) while a loaded host answers 503: no answer within 5 s. */
async function getPatiently<T>(
  api: ApiClient,
  path: string,
  token: string,
): Promise<{ status: number; body: T }> {
  for (let attempt = 1; ; attempt++) {
    const res = await api.get<T>(path, token);
    if (res.status !== 503 || attempt === 10) return res;
    await sleep(2000);
  }
}

/** `count` ids spread evenly over all of them. */
function sampleOf(ids: string[], count: number): string[] {
  if (ids.length <= count) return ids;
  const step = ids.length / count;
  return Array.from({ length: count }, (_, k) => ids[Math.floor(k * step)]!);
}

async function readBack(
  api: ApiClient,
  token: string,
  ids: string[],
  window: { from: number; to: number; slots: number },
): Promise<Readback> {
  const read: Readback = {
    expected: ids.length * window.slots,
    stored: 0,
    duplicates: 0,
    lags: [],
    firstLags: [],
    lastLags: [],
    notUp: 0,
    latencies: [],
  };
  const edge = Math.min(60_000, (window.to - window.from) / 2);
  const query = `from=${new Date(window.from).toISOString()}&to=${new Date(window.to).toISOString()}&sort=asc&limit=500`;
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const res = await getPatiently<{ items: StoredCheck[] }>(
        api,
        `/api/v1/monitors/${id}/checks?${query}`,
        token,
      );
      if (res.status !== 200) throw new Error(`reading checks of ${id}: ${res.status}`);
      const unique = new Set(res.body.items.map((c) => c.id));
      read.stored += unique.size;
      read.duplicates += res.body.items.length - unique.size;
      for (const check of res.body.items) {
        const scheduled = Date.parse(check.scheduledAt);
        const lag = Date.parse(check.startedAt) - scheduled;
        read.lags.push(lag);
        if (check.outcome !== 'up') read.notUp++;
        read.latencies.push(check.latencyMs);
        if (scheduled < window.from + edge) read.firstLags.push(lag);
        if (scheduled >= window.to - edge) read.lastLags.push(lag);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return read;
}

function targetsOf(rows: Row[]): TargetCheck[] {
  const perBuild = new Map<string, Row[]>();
  for (const row of rows)
    perBuild.set(String(row.build), [...(perBuild.get(String(row.build)) ?? []), row]);
  return [...perBuild].map(([build, list]) => {
    const held = list.filter((r) => r.held === 'yes');
    const worst = Math.max(...list.map((r) => Number(r['CPU ms/check'] ?? Infinity)));
    return {
      target: `${build}: ≤ 0.5 ms CPU per check at every rate (whole process tree)`,
      measured:
        list.map((r) => `${r['checks/s']}/s: ${r['CPU ms/check']} ms`).join(', ') +
        `; held up to ${held.length ? held[held.length - 1]!['checks/s'] : 0} checks/s`,
      met: worst <= 0.5 && held.length === list.length,
    };
  });
}
