import { freePort } from '@uptime/embedded';
import {
  type CheckResult,
  CheckResultStream,
  checkResultSubject,
  DEFAULT_ALERT_POLICY,
  DurableConsumers,
} from '@uptime/contracts';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { emptyAlertState } from '../../../apps/notifier/src/incidents/alert-state';
import { AppProcess } from '../../support/app-process';
import { waitForConsumerCaughtUp } from '../../support/consumer-progress';
import { query } from '../../support/test-database';
import { started } from '../harness/cleanup';
import { BenchInfra } from '../harness/infra';
import { sampleProcess, usageBetween } from '../harness/process-usage';
import type { Row, ScenarioReport } from '../harness/report';
import { round, sleep } from '../harness/stats';
import type { BenchOptions, Scenario } from './scenario';

const REGION = 'bench';
/** Results published at once before waiting for their acks: keeps the stream busy, not flooded. */
const PUBLISH_CHUNK = 500;
/**
 * PostgreSQL backends report their counters when idle, at most every 10 s in between
 * (PGSTAT_IDLE_INTERVAL): waited out before reading them, so a run's commits are all counted.
 */
const PG_STATS_DELAY_MS = 11_000;

/** The owner of every bench monitor. */
const OWNER = randomUUID();

interface PgCounters {
  commits: number;
  updated: number;
}

interface Mode {
  label: string;
  quietInMemory: boolean;
}

const MODES: Mode[] = [
  { label: 'every result written (before)', quietInMemory: false },
  { label: 'quiet results in memory (after)', quietInMemory: true },
];

/**
 * The notifier alone, fed results as probers would publish them, for monitors that stay up: what
 * one result costs it in CPU and in PostgreSQL writes, with every result written to its
 * monitor's row (`QUIET_RESULTS_IN_MEMORY=false`, as before) and with results that change no
 * alerting state kept in memory, side by side in one run on fresh monitors each.
 */
export const notifierScenario: Scenario = {
  name: 'notifier',
  description: 'notifier CPU and PostgreSQL writes per result of quiet monitors, before/after',
  async run(options: BenchOptions): Promise<ScenarioReport> {
    const monitors = options.int('monitors', 2000);
    const rounds = options.int('rounds', 5);
    const infra = await BenchInfra.start();
    const nc = await connect({ servers: infra.natsUrl });
    try {
      const rows: Row[] = [];
      for (const mode of MODES) rows.push(await measure(infra, nc, mode, monitors, rounds));
      const [before, after] = rows as [Row, Row];
      rows.push({
        mode: 'after ÷ before',
        results: null,
        seconds: null,
        'results/s': ratio(after['results/s'], before['results/s']),
        'notifier CPU ms per result': ratio(
          after['notifier CPU ms per result'],
          before['notifier CPU ms per result'],
        ),
        'PG commits per 1,000': ratio(
          after['PG commits per 1,000'],
          before['PG commits per 1,000'],
        ),
        'PG rows updated per 1,000': ratio(
          after['PG rows updated per 1,000'],
          before['PG rows updated per 1,000'],
        ),
        'notifier RSS MiB': null,
      });
      return {
        scenario: 'notifier',
        parameters: { monitors, rounds, results: monitors * rounds, region: REGION },
        rows,
        targets: [
          {
            target: 'notifier ≤ 0.5 ms CPU per result (issue #17: 2,500 checks/s in one process)',
            measured: `${after['notifier CPU ms per result']} ms`,
            met: Number(after['notifier CPU ms per result']) <= 0.5,
          },
        ],
        notes: [
          `${monitors} monitors, one region, default alert policy, every result up. One warm-up ` +
            'round (each monitor seen once) before the measured rounds.',
          'Results are published in chunks as fast as JetStream takes them; results/s is how fast ' +
            "the notifier drained them. CPU is the notifier process's own (/proc), PostgreSQL " +
            "counters are the bench database's pg_stat_database deltas, read after " +
            `${PG_STATS_DELAY_MS / 1000} s so every backend has reported.`,
        ],
      };
    } finally {
      await nc.close();
      await infra.stop();
    }
  },
};

async function measure(
  infra: BenchInfra,
  nc: NatsConnection,
  mode: Mode,
  monitors: number,
  rounds: number,
): Promise<Row> {
  const port = await freePort();
  const notifier = AppProcess.start('notifier', {
    NATS_URL: infra.natsUrl,
    DATABASE_URL: infra.db.url,
    PORT: String(port),
    REGIONS: REGION,
    QUIET_RESULTS_IN_MEMORY: String(mode.quietInMemory),
    LOG_LEVEL: 'warn',
  });
  const stop = started(`notifier (pid ${notifier.pid})`, () =>
    notifier.stop('SIGTERM', 60_000).catch(() => notifier.stop('SIGKILL').catch(() => undefined)),
  );
  try {
    await notifier.waitReady(`http://127.0.0.1:${port}`, 120_000);
    const ids = await seedMonitors(infra.db.url, monitors);
    // Warm-up: every monitor's first result (its row read and written once either way).
    await publishRound(nc, ids, 0);
    await caughtUp(nc);
    const pgBefore = await pgCounters(infra.db.url);
    const cpuBefore = sampleProcess(notifier.pid!);
    for (let r = 1; r <= rounds; r++) await publishRound(nc, ids, r);
    await caughtUp(nc);
    const cpuAfter = sampleProcess(notifier.pid!);
    await sleep(PG_STATS_DELAY_MS);
    const pgAfter = await pgCounters(infra.db.url);
    const usage = usageBetween(cpuBefore, cpuAfter)!;
    const results = monitors * rounds;
    const seconds = (cpuAfter!.at - cpuBefore!.at) / 1000;
    const perThousand = (n: number) => round((n * 1000) / results, 2);
    return {
      mode: mode.label,
      results,
      seconds: round(seconds, 1),
      'results/s': Math.round(results / seconds),
      'notifier CPU ms per result': round((usage.cpuSeconds * 1000) / results, 3),
      'PG commits per 1,000': perThousand(pgAfter.commits - pgBefore.commits),
      'PG rows updated per 1,000': perThousand(pgAfter.updated - pgBefore.updated),
      'notifier RSS MiB': Math.round(usage.rssMiB),
    };
  } finally {
    await stop.stop();
  }
}

/** Rows as the notifier projects them from monitor events: one region, the default policy. */
async function seedMonitors(databaseUrl: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await query(
    databaseUrl,
    `insert into notifier.monitor_alert_states
       (monitor_id, owner_id, name, url, policy, channel_ids, paused, regions, timeout_ms,
        version, state, updated_at)
     select id, $2, 'bench', 'https://bench.example.test/', $3::jsonb, '[]'::jsonb, false,
            $4::jsonb, 5000, 1, $5::jsonb, now()
     from unnest($1::uuid[]) as id`,
    [
      ids,
      OWNER,
      JSON.stringify(DEFAULT_ALERT_POLICY),
      JSON.stringify([REGION]),
      JSON.stringify(emptyAlertState()),
    ],
  );
  return ids;
}

/** One result per monitor, all up, scheduled a minute after the previous round's. */
async function publishRound(nc: NatsConnection, monitorIds: string[], n: number): Promise<void> {
  const js = nc.jetstream();
  const codec = JSONCodec<CheckResult>();
  const at = new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();
  for (let i = 0; i < monitorIds.length; i += PUBLISH_CHUNK) {
    await Promise.all(
      monitorIds.slice(i, i + PUBLISH_CHUNK).map((monitorId) => {
        const id = randomUUID();
        return js.publish(checkResultSubject(REGION), codec.encode(upResult(id, monitorId, at)), {
          msgID: id,
        });
      }),
    );
  }
}

function upResult(id: string, monitorId: string, at: string): CheckResult {
  return {
    id,
    monitorId,
    ownerId: OWNER,
    region: REGION,
    scheduledAt: at,
    startedAt: at,
    outcome: 'up',
    errorKind: null,
    httpStatus: 200,
    latencyMs: 12,
    timings: { dnsMs: 0, connectMs: 1, tlsMs: null, firstByteMs: 10, transferMs: 1 },
    sizeBytes: 20,
    message: null,
    assertions: [{ type: 'status', expected: ['200-299'], actual: 200, passed: true }],
    certificateExpiresAt: null,
    onDemand: false,
    inMaintenance: false,
  };
}

function caughtUp(nc: NatsConnection): Promise<void> {
  return waitForConsumerCaughtUp(
    nc,
    CheckResultStream.name,
    DurableConsumers.notifierResults,
    600_000,
  );
}

async function pgCounters(databaseUrl: string): Promise<PgCounters> {
  const [row] = await query<{ commits: string; updated: string }>(
    databaseUrl,
    `select xact_commit as commits, tup_updated as updated
     from pg_stat_database where datname = current_database()`,
  );
  return { commits: Number(row!.commits), updated: Number(row!.updated) };
}

function ratio(a: Row[string], b: Row[string]): string | null {
  if (typeof a !== 'number' || typeof b !== 'number' || b === 0) return null;
  return `${round((a / b) * 100, 1)} %`;
}
