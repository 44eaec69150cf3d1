import {
  CheckResultStream,
  DurableConsumers,
  ProbeJobStream,
  proberConsumerName,
  decodeCheckResults,
} from '@uptime/contracts';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { ApiClient } from '../../support/api-client';
import { createMonitorsInBulk } from '../harness/bulk-monitors';
import { analyseStoredChecks, type AnalysisWindow } from '../harness/check-analysis';
import { BenchInfra } from '../harness/infra';
import { PlatformProcesses, type PlatformMode } from '../harness/platform-processes';
import { pidsNamed, sampleProcess, type UsageSample } from '../harness/process-usage';
import type { Row, ScenarioReport, TargetCheck } from '../harness/report';
import { quantile, round, sleep } from '../harness/stats';
import { TargetFleet } from '../harness/target-fleet';
import { embeddedScenario } from './embedded';
import type { BenchOptions, Scenario } from './scenario';

const REGION = 'local';
const DATABASE = 'uptime';

interface LadderSettings {
  mode: PlatformMode;
  intervalSeconds: number;
  ladder: number[];
  measureSeconds: number;
  createConcurrency: number;
}

/** What one step of a ladder saw live, before the stored checks are analysed. */
interface Step {
  monitors: number;
  window: AnalysisWindow;
  createdPerSecond: number | null;
  liveLags: number[];
  cpu: Map<string, number>;
  rssMiB: Map<string, number>;
  backlog: { jobs: number; metrics: number; notifier: number };
  saturated: string | null;
}

/**
 * The whole platform, as `npm start` runs it or as one process per app, under N HTTP monitors
 * created through the API and probing loopback targets. Each ladder step holds N for whole
 * intervals; the stored checks are analysed afterwards (lost, duplicates, lag, scheduled →
 * queryable). A ladder stops at the first step the platform cannot keep up with.
 */
export const pipelineScenario: Scenario = {
  name: 'pipeline',
  description:
    'whole platform under N monitors: checks/s, schedule lag, scheduled→queryable, lost, duplicates, CPU/RSS',
  async run(options: BenchOptions): Promise<ScenarioReport> {
    // `--mode=embedded`: npm start as shipped, measured from the outside (its own scenario).
    if ([options.string('mode', ''), options.string('modes', '')].includes('embedded'))
      return embeddedScenario.run(options);
    const modes = options.string('modes', 'single,per-app').split(',') as PlatformMode[];
    const intervals = options.ints('intervals', [60, 20]);
    const ladder = options.ints('monitors', [1000, 10_000, 50_000, 100_000, 150_000]);
    const measure = options.int('measure', 120);
    const createConcurrency = options.int('create-concurrency', 4);
    const rows: Row[] = [];
    const notes: string[] = [];
    for (const mode of modes) {
      if (mode !== 'single' && mode !== 'per-app') throw new Error(`--modes: unknown mode ${mode}`);
      for (const intervalSeconds of intervals) {
        const measureSeconds = Math.ceil(measure / intervalSeconds) * intervalSeconds;
        rows.push(
          ...(await runLadder(
            { mode, intervalSeconds, ladder, measureSeconds, createConcurrency },
            notes,
          )),
        );
      }
    }
    return {
      scenario: 'pipeline',
      parameters: { modes, intervals, ladder, measureSeconds: measure, createConcurrency },
      rows,
      targets: targetsOf(rows),
      notes: [
        'lag = startedAt − scheduledAt; e2e = inserted_at (ClickHouse, when the batch was inserted) − scheduledAt; both over every stored check of the window.',
        'lost = expected − unique stored check ids; dup = stored rows − unique ids; wrong = monitors whose number of checks in the window is not exactly window ÷ interval.',
        'CPU is in cores (CPU seconds ÷ wall seconds) over the window; postgres is every postgres process on the machine; targets is the loopback target fleet.',
        ...notes,
      ],
    };
  },
};

async function runLadder(settings: LadderSettings, notes: string[]): Promise<Row[]> {
  const { mode, intervalSeconds } = settings;
  process.stdout.write(`-- ${mode}, ${intervalSeconds} s interval\n`);
  const infra = await BenchInfra.start();
  try {
    const steps = await runSteps(settings, infra, notes);
    const { analyses, size } = await analyseStoredChecks(
      join(infra.dataDir, 'clickhouse'),
      DATABASE,
      steps.map((s) => s.window),
    );
    const bytesPerCheck = size.checksRows ? size.checksBytes / size.checksRows : null;
    return steps.map((step, i) => rowOf(settings, step, analyses[i]!, bytesPerCheck));
  } finally {
    // Also when a step failed: the nats-server, database and folder of the run go with it.
    await infra.stop();
  }
}

/** Climbs the ladder on a platform of its own, stopped (with its targets) however it ends. */
async function runSteps(
  settings: LadderSettings,
  infra: BenchInfra,
  notes: string[],
): Promise<Step[]> {
  const { mode, intervalSeconds } = settings;
  const fleet = await TargetFleet.start({ addresses: 200, processes: 1 });
  let platform: PlatformProcesses | undefined;
  let nc: NatsConnection | undefined;
  const steps: Step[] = [];
  try {
    platform = await PlatformProcesses.start(mode, infra, {
      ACCESS_TOKEN_TTL_SECONDS: '86400',
      REGIONS: REGION,
    });
    nc = await connect({ servers: infra.natsUrl });
    const live = followResults(nc);
    const api = new ApiClient(platform.gatewayUrl);
    const user = await api.newUser('bench');
    let created = 0;
    for (const target of settings.ladder) {
      const began = performance.now();
      await createMonitorsInBulk(api, user.accessToken, {
        from: created,
        to: target,
        concurrency: settings.createConcurrency,
        monitorOf: (i) => ({
          name: `bench ${i}`,
          url: fleet.url(i),
          intervalSeconds: settings.intervalSeconds,
        }),
      });
      const createdPerSecond =
        target > created ? (target - created) / ((performance.now() - began) / 1000) : null;
      created = target;
      await waitForSchedule(platform, target);
      // One interval for every monitor's first slot to come round, then whole intervals.
      await sleep(intervalSeconds * 1000);
      const step = await measureStep(platform, infra, fleet, nc, live, settings, target);
      step.createdPerSecond = createdPerSecond;
      steps.push(step);
      process.stdout.write(
        `   ${target} monitors: live lag p99 ${quantile(step.liveLags, 0.99)} ms, backlog ${JSON.stringify(step.backlog)}${step.saturated ? `, saturated: ${step.saturated}` : ''}\n`,
      );
      if (step.saturated) {
        notes.push(
          `${mode}, ${intervalSeconds} s: stopped the ladder at ${target} monitors (${step.saturated}).`,
        );
        break;
      }
    }
    await drain(nc, 60_000);
  } finally {
    await platform?.stop();
    await nc?.close();
    await fleet.stop();
  }
  return steps;
}

/** The scheduler has every monitor when its gauge says so (it reads the events stream). */
async function waitForSchedule(platform: PlatformProcesses, monitors: number): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    const value = await gauge(platform.metricsUrl('scheduler'), 'uptime_scheduler_monitors');
    if (value !== undefined && value >= monitors) return;
    await sleep(500);
  }
  throw new Error(`the scheduler did not reach ${monitors} monitors within 10 minutes`);
}

async function gauge(url: string, name: string): Promise<number | undefined> {
  const text = await fetch(url).then((r) => r.text());
  // Labelled when the app runs alone (`name{app="scheduler"} 5`), bare in one process.
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
}

interface LiveResults {
  /** Lags (ms) of results scheduled within [from, to), as they arrive. */
  watch(from: number, to: number): number[];
}

/** A plain subscription on the results subject sees each result as the prober publishes it. */
function followResults(nc: NatsConnection): LiveResults {
  let window: { from: number; to: number; lags: number[] } | undefined;
  nc.subscribe(`check.result.>`, {
    callback: (_err, msg) => {
      if (!window) return;
      for (const result of decodeCheckResults(msg.data)) {
        const scheduled = Date.parse(result.scheduledAt);
        if (scheduled < window.from || scheduled >= window.to) continue;
        window.lags.push(Date.parse(result.startedAt) - scheduled);
      }
    },
  });
  return {
    watch(from, to) {
      window = { from, to, lags: [] };
      return window.lags;
    },
  };
}

async function measureStep(
  platform: PlatformProcesses,
  infra: BenchInfra,
  fleet: TargetFleet,
  nc: NatsConnection,
  live: LiveResults,
  settings: LadderSettings,
  monitors: number,
): Promise<Step> {
  const processes = new Map<string, number[]>([
    ...[...platform.pids].map(([name, pid]) => [name, [pid]] as [string, number[]]),
    ['nats-server', infra.natsPid ? [infra.natsPid] : []],
    ['postgres', pidsNamed('postgres')],
    ['targets', fleet.pids],
  ]);
  const from = Date.now();
  const to = from + settings.measureSeconds * 1000;
  const liveLags = live.watch(from, to);
  const before = sampleAll(processes);
  const rssMiB = new Map<string, number>();
  while (Date.now() < to) {
    await sleep(Math.min(2000, Math.max(0, to - Date.now())));
    for (const [name, samples] of sampleAll(processes))
      rssMiB.set(name, Math.max(rssMiB.get(name) ?? 0, sum(samples.map((s) => s.rssMiB))));
  }
  const after = sampleAll(processes);
  // Checks of the window's last moments are still running or queued: give them their time.
  await sleep(Math.min(15_000, settings.intervalSeconds * 500));
  const cpu = new Map<string, number>();
  for (const [name, samples] of after) {
    const earlier = before.get(name) ?? [];
    const seconds = (to - from) / 1000;
    cpu.set(
      name,
      (sum(samples.map((s) => s.cpuSeconds)) - sum(earlier.map((s) => s.cpuSeconds))) / seconds,
    );
  }
  const backlog = await backlogOf(nc);
  const slotsPerMonitor = settings.measureSeconds / settings.intervalSeconds;
  const expected = monitors * slotsPerMonitor;
  const lagP99 = quantile(liveLags, 0.99) ?? Infinity;
  let saturated: string | null = null;
  if (liveLags.length < expected * 0.99)
    saturated = `${liveLags.length} of ${expected} checks published in time`;
  else if (lagP99 > settings.intervalSeconds * 1000)
    saturated = `schedule lag p99 ${lagP99} ms above one interval`;
  return {
    monitors,
    window: { from, to, monitors, slotsPerMonitor },
    createdPerSecond: null,
    liveLags,
    cpu,
    rssMiB,
    backlog,
    saturated,
  };
}

function sampleAll(processes: Map<string, number[]>): Map<string, UsageSample[]> {
  const samples = new Map<string, UsageSample[]>();
  for (const [name, pids] of processes)
    samples.set(
      name,
      pids.map(sampleProcess).filter((s): s is UsageSample => s !== undefined),
    );
  return samples;
}

async function backlogOf(nc: NatsConnection): Promise<Step['backlog']> {
  const jsm = await nc.jetstreamManager();
  const pending = async (stream: string, consumer: string) => {
    try {
      const info = await jsm.consumers.info(stream, consumer);
      return info.num_pending + info.num_ack_pending;
    } catch {
      return -1;
    }
  };
  return {
    jobs: await pending(ProbeJobStream.name, proberConsumerName(REGION)),
    metrics: await pending(CheckResultStream.name, DurableConsumers.metricsResults),
    notifier: await pending(CheckResultStream.name, DurableConsumers.notifierResults),
  };
}

/** Lets the metrics service store what is still queued before the platform stops. */
async function drain(nc: NatsConnection, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const backlog = await backlogOf(nc);
    if (backlog.metrics <= 0) return;
    await sleep(1000);
  }
}

function rowOf(
  settings: LadderSettings,
  step: Step,
  stored: Awaited<ReturnType<typeof analyseStoredChecks>>['analyses'][number],
  bytesPerCheck: number | null,
): Row {
  const seconds = (step.window.to - step.window.from) / 1000;
  const expected = step.monitors * step.window.slotsPerMonitor;
  const format = (m: Map<string, number>, digits: number) =>
    [...m]
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${round(v, digits)}`)
      .join(', ');
  return {
    mode: settings.mode,
    interval: `${settings.intervalSeconds} s`,
    monitors: step.monitors,
    'created/s': round(step.createdPerSecond ?? undefined, 0),
    'expected/s': round(expected / seconds, 0),
    'stored/s': round(stored.unique / seconds, 0),
    'lag p50 ms': stored.lagP50,
    'lag p99 ms': stored.lagP99,
    'lag max ms': stored.lagMax,
    'e2e p50 ms': stored.e2eP50,
    'e2e p99 ms': stored.e2eP99,
    lost: expected - stored.unique,
    dup: stored.rows - stored.unique,
    wrong: stored.monitorsWithWrongCount,
    'window s': seconds,
    'CPU cores': format(step.cpu, 2),
    'peak RSS MiB': format(step.rssMiB, 0),
    'backlog after': `jobs ${step.backlog.jobs}, metrics ${step.backlog.metrics}, notifier ${step.backlog.notifier}`,
    'bytes/check': round(bytesPerCheck ?? undefined, 1),
    saturated: step.saturated ?? 'no',
  };
}

function targetsOf(rows: Row[]): TargetCheck[] {
  const top = rows.find(
    (r) => r.monitors === 150_000 && r.interval === '60 s' && r.saturated === 'no',
  );
  const largest = [...rows]
    .filter((r) => r.interval === '60 s')
    .sort((a, b) => Number(b.monitors) - Number(a.monitors))[0];
  const row = top ?? largest;
  if (!row) return [];
  const met =
    row === top &&
    Number(row['lag p99 ms']) < 1000 &&
    row.lost === 0 &&
    row.dup === 0 &&
    Number(row['window s']) >= 600;
  return [
    {
      target: '150,000 monitors at 60 s held 10 min: lag p99 < 1 s, 0 lost, 0 duplicated',
      measured: `${row.mode}, ${row.monitors} monitors held ${row['window s']} s: lag p99 ${row['lag p99 ms']} ms, lost ${row.lost}, dup ${row.dup}, ${row['stored/s']} of ${row['expected/s']} checks/s`,
      met,
    },
  ];
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
