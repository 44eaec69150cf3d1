import { DurableConsumers, MonitorEventStream } from '@uptime/contracts';
import { connect, type NatsConnection } from 'nats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from '../../support/api-client';
import { createMonitorsInBulk } from '../harness/bulk-monitors';
import { BenchInfra } from '../harness/infra';
import { PlatformProcesses, type PlatformMode } from '../harness/platform-processes';
import { RESULTS_DIR, type Row, type ScenarioReport, type TargetCheck } from '../harness/report';
import { pidsNamed, sampleProcess, usageBetween } from '../harness/process-usage';
import { round, sleep } from '../harness/stats';
import { TargetFleet } from '../harness/target-fleet';
import type { BenchOptions, Scenario } from './scenario';

/** The longest interval: the monitors are checked, but rarely, so probing stays out of the figures. */
const INTERVAL_SECONDS = 86_400;
const SAMPLE_MS = 250;
/** Short names for the CPU columns. */
const CPU_COLUMN: Record<string, string> = {
  'monitor-registry': 'registry',
};
/** The apps `--profile` profiles: the API, the registry and the followers of its events. */
const PROFILED = new Set(['gateway', 'monitor-registry', 'scheduler', 'notifier', 'platform']);

/** Where each follower of monitor events stood at one moment. */
interface Sample {
  at: number;
  /** Events the relay moved to MONITOR_EVENTS. */
  relayed: number;
  /** The scheduler's `uptime_scheduler_monitors` gauge. */
  scheduled: number;
  /** Events the notifier's durable consumer acked (its projection committed them). */
  notified: number;
}

/** Monitors created so far, when their bulk request was answered. */
interface Created {
  at: number;
  count: number;
}

interface Run {
  mode: PlatformMode;
  monitors: number;
  began: number;
  created: Created[];
  samples: Sample[];
  /** CPU seconds each app (or `platform`) used from the first bulk request until all followers had all. */
  cpu: Map<string, number>;
}

/**
 * How fast a bulk import reaches the services that follow monitor events: N monitors created
 * through `POST /monitors/bulk`, then the time until the registry's outbox relay has published
 * them all, until the scheduler holds them all (its gauge) and until the notifier's projection
 * has them all (its durable consumer acked). The delay of a monitor is from the answer of the
 * bulk request that created it to the moment the scheduler's gauge counts it.
 */
export const propagationScenario: Scenario = {
  name: 'propagation',
  description:
    'N monitors created through POST /monitors/bulk: time until the relay, scheduler and notifier have them, changes/s',
  async run(options: BenchOptions): Promise<ScenarioReport> {
    const modes = options.string('modes', 'per-app').split(',') as PlatformMode[];
    const monitors = options.int('monitors', 150_000);
    const createConcurrency = options.int('create-concurrency', 4);
    const perRequest = options.int('per-request', 500);
    const timeoutSeconds = options.int('timeout', 600);
    // --profile writes a V8 CPU profile of each follower of the import and of the API, named
    // `propagation-<app>-<mode>.cpuprofile` (CPU per monitor: its busy time over N).
    const profileDir = options.flag('profile') ? join(RESULTS_DIR, 'profiles') : undefined;
    const rows: Row[] = [];
    for (const mode of modes) {
      if (mode !== 'single' && mode !== 'per-app') throw new Error(`--modes: unknown mode ${mode}`);
      process.stdout.write(`-- ${mode}, ${monitors} monitors\n`);
      const run = await propagate(
        mode,
        monitors,
        { createConcurrency, perRequest },
        timeoutSeconds * 1000,
        profileDir,
      );
      rows.push(rowOf(run));
    }
    return {
      scenario: 'propagation',
      parameters: { modes, monitors, createConcurrency, perRequest, timeoutSeconds },
      rows,
      targets: targetsOf(rows),
      notes: [
        'create s: from the first bulk request to the last answer; relay/scheduler/notifier s: from the first bulk request until that follower has all N.',
        'changes/s = N ÷ scheduler s (end to end: API, registry outbox, relay, MONITOR_EVENTS, scheduler). delay max = longest time from a bulk answer until the scheduler gauge counts its monitors.',
        'app ms/monitor: CPU (user + system, /proc) of each process over the same span, divided by N; the single process counts as platform; postgres is the backends connected to the bench database at the start.',
        `monitors are HTTP at ${INTERVAL_SECONDS} s on loopback targets, so checks stay out of the figures; sampled every ${SAMPLE_MS} ms.`,
      ],
    };
  },
};

async function propagate(
  mode: PlatformMode,
  monitors: number,
  create: { createConcurrency: number; perRequest: number },
  timeoutMs: number,
  profileDir?: string,
): Promise<Run> {
  const infra = await BenchInfra.start();
  let fleet: TargetFleet | undefined;
  let platform: PlatformProcesses | undefined;
  let nc: NatsConnection | undefined;
  const abort = { stopped: false };
  try {
    fleet = await TargetFleet.start({ addresses: 10, processes: 1 });
    platform = await PlatformProcesses.start(
      mode,
      infra,
      {
        ACCESS_TOKEN_TTL_SECONDS: '86400',
        MAX_MONITORS_PER_USER: String(Math.max(1_000_000, monitors)),
      },
      {
        nodeArgs: (app) =>
          profileDir && PROFILED.has(app)
            ? [
                '--cpu-prof',
                `--cpu-prof-dir=${profileDir}`,
                `--cpu-prof-name=propagation-${app}-${mode}.cpuprofile`,
              ]
            : [],
      },
    );
    nc = await connect({ servers: infra.natsUrl });
    const api = new ApiClient(platform.gatewayUrl);
    const user = await api.newUser('bench');
    const run: Run = { mode, monitors, began: 0, created: [], samples: [], cpu: new Map() };
    const targets = fleet;
    const watching = watch(platform, nc, run, timeoutMs, abort);
    const pids = new Map([
      ...platform.pids,
      ...(infra.natsPid ? [['nats-server', infra.natsPid] as const] : []),
      ...backendsOf(infra.db.url).map((pid, i) => [`postgres ${i}`, pid] as const),
    ]);
    const before = new Map([...pids].map(([app, pid]) => [app, sampleProcess(pid)]));
    run.began = performance.now();
    await createMonitorsInBulk(api, user.accessToken, {
      from: 0,
      to: monitors,
      concurrency: create.createConcurrency,
      perRequest: create.perRequest,
      monitorOf: (i) => ({
        name: `propagation ${i}`,
        url: targets.url(i),
        intervalSeconds: INTERVAL_SECONDS,
      }),
      onCreated: (count) => run.created.push({ at: performance.now(), count }),
    }).catch(async (err: unknown) => {
      abort.stopped = true;
      await watching.catch(() => undefined);
      throw err;
    });
    await watching;
    for (const [app, pid] of pids) {
      const used = usageBetween(before.get(app), sampleProcess(pid));
      // The database's connections together: which one served which app does not matter here.
      const name = app.startsWith('postgres') ? 'postgres' : app;
      if (used) run.cpu.set(name, (run.cpu.get(name) ?? 0) + used.cpuSeconds);
    }
    return run;
  } catch (err) {
    for (const [name, pid] of platform?.pids ?? []) {
      const app = platform?.process(name);
      process.stderr.write(
        `--- ${name} (pid ${pid}), last output:\n${(app?.stdout ?? '').slice(-1500)}${(app?.stderr ?? '').slice(-1500)}\n`,
      );
    }
    throw err;
  } finally {
    await platform?.stop();
    await nc?.close();
    await fleet?.stop();
    await infra.stop();
  }
}

/**
 * The PostgreSQL backends serving the bench database (their title names it): connections the
 * apps' pools opened at start and keep, so they are the same ones at the start and the end.
 */
function backendsOf(databaseUrl: string): number[] {
  const database = new URL(databaseUrl).pathname.slice(1);
  return pidsNamed('postgres').filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${database} `);
    } catch {
      return false;
    }
  });
}

/** Samples every follower until each has every monitor, or fails at the deadline. */
async function watch(
  platform: PlatformProcesses,
  nc: NatsConnection,
  run: Run,
  timeoutMs: number,
  abort: { stopped: boolean },
): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (!abort.stopped) {
    const [scheduled, stream, notifier] = await Promise.all([
      gauge(platform.metricsUrl('scheduler'), 'uptime_scheduler_monitors'),
      jsm.streams.info(MonitorEventStream.name).catch(() => undefined),
      jsm.consumers
        .info(MonitorEventStream.name, DurableConsumers.notifierMonitorEvents)
        .catch(() => undefined),
    ]);
    const sample: Sample = {
      at: performance.now(),
      relayed: stream?.state.last_seq ?? 0,
      scheduled: scheduled ?? 0,
      // One event per monitor, on a stream of the run's own: its sequence counts events.
      notified: notifier?.ack_floor.stream_seq ?? 0,
    };
    run.samples.push(sample);
    if (Date.now() - last > 5000) {
      last = Date.now();
      process.stdout.write(
        `   created ${run.created.at(-1)?.count ?? 0}, relayed ${sample.relayed}, scheduled ${sample.scheduled}, notifier ${sample.notified}\n`,
      );
    }
    const all = run.monitors;
    if (sample.relayed >= all && sample.scheduled >= all && sample.notified >= all) return;
    if (Date.now() > deadline)
      throw new Error(
        `followers did not have all ${all} monitors within ${timeoutMs / 1000} s: relayed ${sample.relayed}, scheduled ${sample.scheduled}, notifier ${sample.notified}`,
      );
    await sleep(SAMPLE_MS);
  }
}

async function gauge(url: string, name: string): Promise<number | undefined> {
  const text = await fetch(url)
    .then((r) => r.text())
    .catch(() => '');
  // Labelled when the app runs alone (`name{app="scheduler"} 5`), bare in one process.
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
}

/** Seconds from the first bulk request until `reached` held. */
function secondsUntil(run: Run, reached: (s: Sample) => boolean): number | undefined {
  const sample = run.samples.find(reached);
  return sample ? (sample.at - run.began) / 1000 : undefined;
}

/** The longest time from a bulk answer until the scheduler counted every monitor created by then. */
function longestDelayMs(run: Run): number | undefined {
  let longest = 0;
  for (const created of run.created) {
    const seen = run.samples.find((s) => s.at >= created.at && s.scheduled >= created.count);
    if (!seen) return undefined;
    longest = Math.max(longest, seen.at - created.at);
  }
  return longest;
}

function rowOf(run: Run): Row {
  const n = run.monitors;
  const created = run.created.at(-1);
  const createSeconds = created ? (created.at - run.began) / 1000 : undefined;
  const scheduler = secondsUntil(run, (s) => s.scheduled >= n);
  return {
    mode: run.mode,
    monitors: n,
    'create s': round(createSeconds, 1),
    'created/s': round(createSeconds ? n / createSeconds : undefined, 0),
    'relay s': round(
      secondsUntil(run, (s) => s.relayed >= n),
      1,
    ),
    'scheduler s': round(scheduler, 1),
    'notifier s': round(
      secondsUntil(run, (s) => s.notified >= n),
      1,
    ),
    'changes/s': round(scheduler ? n / scheduler : undefined, 0),
    'delay max s': round((longestDelayMs(run) ?? NaN) / 1000, 1),
    // CPU per monitor created, from /proc: what each process costs a change, whatever the
    // machine's other load made of the seconds above.
    ...Object.fromEntries(
      [...run.cpu].map(([app, seconds]) => [
        `${CPU_COLUMN[app] ?? app} ms/monitor`,
        round((seconds * 1000) / n, 3),
      ]),
    ),
  };
}

function targetsOf(rows: Row[]): TargetCheck[] {
  return rows
    .filter((r) => Number(r.monitors) >= 150_000)
    .map((r) => ({
      target: `${r.mode}: 150,000 bulk-created monitors scheduled within 30 s of creation, ≥ 5,000 changes/s`,
      measured: `${r.monitors} monitors: delay max ${r['delay max s']} s, ${r['changes/s']} changes/s (notifier ${r['notifier s']} s)`,
      met: Number(r['delay max s']) <= 30 && Number(r['changes/s']) >= 5000,
    }));
}
