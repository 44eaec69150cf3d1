import { ensureStream } from '@uptime/bus';
import { freePort } from '@uptime/embedded';
import {
  checkResultSubject,
  type ProbeJob,
  ProbeJobStream,
  probeJobFilter,
  probeJobSubject,
  decodeCheckResults,
} from '@uptime/contracts';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { AppProcess } from '../../support/app-process';
import { monitorFixture, probeJobFixture } from '../../support/factories';
import { started } from '../harness/cleanup';
import { BenchInfra } from '../harness/infra';
import { sampleProcess, usageBetween } from '../harness/process-usage';
import { runRawUndici } from '../harness/raw-undici';
import { RESULTS_DIR, type Row, type ScenarioReport } from '../harness/report';
import { round, sleep } from '../harness/stats';
import { TargetFleet } from '../harness/target-fleet';
import type { BenchOptions, Scenario } from './scenario';

const jobCodec = JSONCodec<ProbeJob>();

interface Measured {
  checks: number;
  seconds: number;
  cpuSeconds: number;
}

/**
 * The prober as production runs it (its own process, jobs pulled from its region's durable
 * consumer on PROBE_JOBS, results published to CHECK_RESULTS) against a plain undici loop with
 * the same concurrency and connection policy, on the same targets, alternating in one run.
 */
export const proberScenario: Scenario = {
  name: 'prober',
  description:
    'prober process vs a raw undici loop: checks/s at saturation, CPU s per 1,000 checks',
  async run(options: BenchOptions): Promise<ScenarioReport> {
    const concurrency = options.int('concurrency', 200);
    const durationMs = options.int('duration', 20) * 1000;
    const warmupMs = 3000;
    const rounds = options.int('rounds', 2);
    const addresses = options.int('addresses', 64);
    // --profile writes a V8 CPU profile of the prober process (open it in Chrome DevTools).
    const profileDir = options.flag('profile') ? join(RESULTS_DIR, 'profiles') : undefined;
    const infra = await BenchInfra.start();
    const fleet = await TargetFleet.start({ addresses, processes: 1 });
    const region = `bench${randomUUID().slice(0, 6)}`;
    const nc = await connect({ servers: infra.natsUrl });
    const port = await freePort();
    const prober = AppProcess.start(
      'prober',
      {
        NATS_URL: infra.natsUrl,
        PORT: String(port),
        REGION: region,
        PROBE_CONCURRENCY: String(concurrency),
        PROBE_ALLOW_PRIVATE: 'true',
        LOG_LEVEL: 'warn',
      },
      profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    );
    const proberStarted = started(`prober (pid ${prober.pid})`, () =>
      prober.stop('SIGTERM').catch(() => prober.stop('SIGKILL')),
    );
    const rows: Row[] = [];
    try {
      await prober.waitReady(`http://127.0.0.1:${port}`);
      const urls = fleet.addresses.map((_, i) => fleet.url(i, '/health'));
      for (let r = 1; r <= rounds; r++) {
        const raw = await runRawUndici({ concurrency, warmupMs, durationMs, urls });
        rows.push(rowOf(`raw undici`, r, raw));
        const backlog =
          Math.ceil((raw.checks / raw.seconds) * ((durationMs + warmupMs) / 1000) * 1.5) + 1000;
        const viaProber = await measureProber(
          nc,
          prober.pid!,
          region,
          fleet,
          backlog,
          warmupMs,
          durationMs,
        );
        rows.push(rowOf(`prober (JetStream)`, r, viaProber));
      }
    } finally {
      await proberStarted.stop();
      await nc.close();
      await fleet.stop();
      await infra.stop();
    }
    const sum = (name: string, key: keyof Measured) =>
      rows.filter((r) => r.runner === name).reduce((a, r) => a + Number(r[`_${key}`]), 0);
    const perCore = (name: string) => sum(name, 'checks') / sum(name, 'cpuSeconds');
    const rate = (name: string) => sum(name, 'checks') / sum(name, 'seconds');
    const rawPerCore = perCore('raw undici');
    const proberPerCore = perCore('prober (JetStream)');
    const ratio = proberPerCore / rawPerCore;
    const rateRatio = rate('prober (JetStream)') / rate('raw undici');
    for (const row of rows)
      for (const key of Object.keys(row)) if (key.startsWith('_')) delete row[key];
    rows.push({
      runner: 'prober ÷ raw',
      round: 'all',
      'checks/s': `${round(rateRatio * 100, 0)} %`,
      'checks/s per core': `${round(ratio * 100, 0)} %`,
      'CPU s per 1,000 checks': `${round((1 / ratio) * 100, 0)} %`,
    });
    return {
      scenario: 'prober',
      parameters: {
        concurrency,
        durationSeconds: durationMs / 1000,
        warmupSeconds: warmupMs / 1000,
        rounds,
        targetAddresses: addresses,
      },
      rows,
      targets: [
        {
          target: 'prober ≥ 80 % of the raw undici rate per core',
          measured: `${round(ratio * 100, 0)} % (${round(proberPerCore, 0)} vs ${round(rawPerCore, 0)} checks per CPU second)`,
          met: ratio >= 0.8,
        },
      ],
      notes: [
        'Both runners use one fresh TCP connection per check, closed after it, with the same concurrency against the same loopback targets (one target process).',
        'The prober additionally decodes and validates each job, times each phase, publishes the result to JetStream and waits for its ack, then acks the job.',
        'CPU is the runner process only (from /proc for the prober, process.cpuUsage for the raw loop); nats-server and the targets are not counted for either.',
      ],
    };
  },
};

function rowOf(runner: string, roundNo: number, m: Measured): Row {
  return {
    runner,
    round: roundNo,
    checks: m.checks,
    seconds: round(m.seconds, 1),
    'checks/s': round(m.checks / m.seconds, 0),
    'CPU cores': round(m.cpuSeconds / m.seconds, 2),
    'checks/s per core': round(m.checks / m.cpuSeconds, 0),
    'CPU s per 1,000 checks': round((m.cpuSeconds / m.checks) * 1000, 3),
    _checks: m.checks,
    _seconds: m.seconds,
    _cpuSeconds: m.cpuSeconds,
  };
}

async function measureProber(
  nc: NatsConnection,
  pid: number,
  region: string,
  fleet: TargetFleet,
  backlog: number,
  warmupMs: number,
  durationMs: number,
): Promise<Measured> {
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  await ensureStream(jsm, ProbeJobStream);
  let results = 0;
  // A prober's message carries every result it finished within a few milliseconds.
  const sub = nc.subscribe(checkResultSubject(region), {
    callback: (_err, m) => (results += decodeCheckResults(m.data).length),
  });
  const scheduledAt = new Date().toISOString();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < backlog; i++) {
    const job = benchJob(region, fleet.url(i, '/health'), scheduledAt);
    pending.push(
      js.publish(probeJobSubject(region, job.monitorId), jobCodec.encode(job), {
        msgID: job.checkId,
      }),
    );
    if (pending.length >= 1000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await sleep(warmupMs);
  const a = { results, usage: sampleProcess(pid), at: performance.now() };
  await sleep(durationMs);
  const b = { results, usage: sampleProcess(pid), at: performance.now() };
  // Whatever is still queued must not run into the next raw round.
  await jsm.streams.purge(ProbeJobStream.name, { filter: probeJobFilter(region) });
  let last = -1;
  while (last !== results) {
    last = results;
    await sleep(1000);
  }
  sub.unsubscribe();
  const used = usageBetween(a.usage, b.usage);
  const checks = b.results - a.results;
  if (!used) throw new Error('could not read the prober process usage');
  if (checks >= backlog * 0.95)
    throw new Error('the prober ran out of queued jobs: raise the backlog');
  return { checks, seconds: (b.at - a.at) / 1000, cpuSeconds: used.cpuSeconds };
}

/** A job as the scheduler publishes it, for a monitor checking `url` once an hour. */
function benchJob(region: string, url: string, scheduledAt: string): ProbeJob {
  const monitor = monitorFixture({ name: 'bench', url, intervalSeconds: 3600, timeoutMs: 10_000 });
  return probeJobFixture(monitor, { region, scheduledAt: new Date(scheduledAt) });
}
