import { ensureStream, JetStreamPublisher } from '@uptime/bus';
import { freePort } from '@uptime/embedded';
import {
  type Monitor,
  type ProbeJob,
  probeJobFor,
  ProbeJobStream,
  probeJobFilter,
  probeJobSubject,
  RegistrySubjects,
} from '@uptime/contracts';
import { AckPolicy, connect, type ConsumerMessages, JSONCodec, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { AppProcess } from '../../support/app-process';
import { monitorFixture } from '../../support/factories';
import { scrapeMetric } from '../../support/scrape-metric';
import { waitFor } from '../../support/wait-for';
import { BenchInfra } from '../harness/infra';
import { sampleProcess, usageBetween } from '../harness/process-usage';
import type { Row, ScenarioReport } from '../harness/report';
import { quantile, round } from '../harness/stats';
import type { BenchOptions, Scenario } from './scenario';

const REGION = 'bench';
const INTERVAL_SECONDS = 10;
/** Monitors per snapshot page the stub registry answers (well under a NATS message). */
const PAGE = 500;
/** Publishes in flight at once when measuring JetStream alone. */
const WINDOW = 2000;

/**
 * Two ceilings, each against a consumer that acks every job at once (no prober work):
 * - JetStream's: the bench publishes real-sized probe jobs with `Nats-Msg-Id` (dedupe on) to a
 *   stream shaped like PROBE_JOBS as fast as acks come back; nats-server's CPU per job.
 * - the scheduler's: one scheduler process, the only one (all 64 partitions), holding
 *   `--monitors` (list) HTTP monitors at 10 s, served by a stub registry; jobs published per
 *   second, the scheduler's CPU, and the lag from slot to the consumer.
 */
export const schedulerScenario: Scenario = {
  name: 'scheduler',
  description:
    "the scheduler's own ceiling and JetStream's (jobs/s per core, consumer acks at once)",
  async run(options: BenchOptions): Promise<ScenarioReport> {
    const counts = options.ints('monitors', [20_000, 40_000]);
    const seconds = options.int('seconds', 30);
    const jetstreamJobs = options.int('jobs', 200_000);
    const rows: Row[] = [];
    const notes: string[] = [];
    const infra = await BenchInfra.start();
    const nc = await connect({ servers: infra.natsUrl });
    try {
      await ensureStream(await nc.jetstreamManager(), ProbeJobStream);
      rows.push(await jetstreamCeiling(nc, infra, jetstreamJobs));
      for (const count of counts) rows.push(await schedulerCeiling(nc, infra, count, seconds));
    } finally {
      await nc.close().catch(() => undefined);
      await infra.stop();
    }
    notes.push(
      'Everything runs on this machine: nats-server, the scheduler, and the bench (publisher or stub registry and the consumer that acks at once). "cores" are CPU seconds per wall second from /proc of each process.',
      'The JetStream row publishes with one reply subscription (JetStreamPublisher, as the scheduler does), up to 2,000 unacknowledged at once, to the PROBE_JOBS stream (work queue, 1 message per subject, 2-minute dedupe window); the consumer is a pull consumer in the bench process.',
      'The scheduler rows: one scheduler process with every partition; the monitors come from a stub answering registry.monitors.active. The rate is monitors ÷ 10 s. "lag" is consumer receive time minus the slot.',
    );
    return {
      scenario: 'scheduler',
      parameters: {
        monitors: counts.join(','),
        intervalSeconds: INTERVAL_SECONDS,
        seconds,
        jetstreamJobs,
      },
      rows,
      targets: [],
      notes,
    };
  },
};

/** A pull consumer on the bench region's jobs that acks each at once and notes its lag. */
async function ackingConsumer(
  nc: NatsConnection,
  name: string,
): Promise<{ messages: ConsumerMessages; received: () => number; lags: number[] }> {
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add(ProbeJobStream.name, {
    durable_name: name,
    filter_subject: probeJobFilter(REGION),
    ack_policy: AckPolicy.Explicit,
  });
  const codec = JSONCodec<ProbeJob>();
  let received = 0;
  const lags: number[] = [];
  const messages = await (
    await nc.jetstream().consumers.get(ProbeJobStream.name, name)
  ).consume({
    max_messages: 1000,
    callback: (m) => {
      m.ack();
      received++;
      if (received % 10 === 0) {
        const job = codec.decode(m.data);
        lags.push(Date.now() - Date.parse(String(job.scheduledAt)));
      }
    },
  });
  return { messages, received: () => received, lags };
}

async function jetstreamCeiling(nc: NatsConnection, infra: BenchInfra, jobs: number): Promise<Row> {
  const consumer = await ackingConsumer(nc, 'bench-js');
  const monitors = Array.from({ length: 10_000 }, () =>
    monitorFixture({ regions: [REGION], url: 'http://127.0.0.1:9/', intervalSeconds: 10 }),
  );
  const codec = JSONCodec<ProbeJob>();
  const publisher = new JetStreamPublisher(nc);
  const natsBefore = sampleProcess(infra.natsPid ?? -1);
  const benchBefore = process.cpuUsage();
  const started = performance.now();
  let sent = 0;
  let failed = 0;
  const worker = async () => {
    while (sent < jobs) {
      const monitor = monitors[sent++ % monitors.length]!;
      const job = probeJobFor(monitor, {
        checkId: randomUUID(),
        region: REGION,
        scheduledAt: new Date(),
        onDemand: false,
        inMaintenance: false,
      });
      await publisher
        .publish(probeJobSubject(REGION, monitor.id), codec.encode(job), job.checkId)
        .catch(() => failed++);
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const nats = usageBetween(natsBefore, sampleProcess(infra.natsPid ?? -1));
  const bench = process.cpuUsage(benchBefore);
  publisher.close();
  await waitFor('the consumer to drain', () => consumer.received() >= jobs - failed, 30_000).catch(
    () => undefined,
  );
  await consumer.messages.close();
  await (await nc.jetstreamManager()).consumers.delete(ProbeJobStream.name, 'bench-js');
  const rate = (jobs - failed) / elapsed;
  return {
    measured: 'JetStream alone (bench publisher)',
    'jobs/s': round(rate, 0),
    published: jobs - failed,
    refused: failed,
    'nats cores': round(nats?.cores, 2),
    'jobs/s per nats core': round(nats ? rate / nats.cores : undefined, 0),
    'publisher cores': round((bench.user + bench.system) / 1e6 / elapsed, 2),
    'scheduler cores': null,
    'jobs/s per scheduler core': null,
    'lag p50 ms': null,
    'lag p99 ms': null,
  };
}

async function schedulerCeiling(
  nc: NatsConnection,
  infra: BenchInfra,
  count: number,
  seconds: number,
): Promise<Row> {
  const monitors: Monitor[] = Array.from({ length: count }, (_, i) =>
    monitorFixture({
      name: `bench ${i}`,
      regions: [REGION],
      url: `http://127.0.0.1:9/${i}`,
      intervalSeconds: INTERVAL_SECONDS,
    }),
  );
  const registry = stubRegistry(nc, monitors);
  const name = `bench-scheduler-${count}`;
  const consumer = await ackingConsumer(nc, name);
  const port = await freePort();
  const scheduler = AppProcess.start('scheduler', {
    NATS_URL: infra.natsUrl,
    PORT: String(port),
    REGIONS: REGION,
    SCHEDULER_ID: name,
    SCHEDULER_PARTITIONS: '64',
    LOG_LEVEL: 'warn',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    // Not /health/ready: it says `regions` down, as no prober announces itself here.
    await waitFor(
      'the scheduler to hold every partition',
      async () =>
        (await scrapeMetric(url, 'uptime_scheduler_partitions_owned').catch(() => 0)) === 64,
      120_000,
      250,
    );
    // One whole interval first: every monitor has had its first slot.
    await new Promise((r) => setTimeout(r, INTERVAL_SECONDS * 1000 + 1000));
    consumer.lags.length = 0;
    const publishedBefore = await scrapeMetric(url, 'uptime_scheduler_jobs_published_total');
    const schedBefore = sampleProcess(scheduler.pid!);
    const natsBefore = sampleProcess(infra.natsPid ?? -1);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const published =
      (await scrapeMetric(url, 'uptime_scheduler_jobs_published_total')) - publishedBefore;
    const sched = usageBetween(schedBefore, sampleProcess(scheduler.pid!));
    const nats = usageBetween(natsBefore, sampleProcess(infra.natsPid ?? -1));
    const rate = published / seconds;
    return {
      measured: `scheduler, ${count} monitors at ${INTERVAL_SECONDS} s`,
      'jobs/s': round(rate, 0),
      published,
      refused: await scrapeMetric(url, 'uptime_scheduler_jobs_unpublished_total'),
      'nats cores': round(nats?.cores, 2),
      'jobs/s per nats core': round(nats ? rate / nats.cores : undefined, 0),
      'publisher cores': null,
      'scheduler cores': round(sched?.cores, 2),
      'jobs/s per scheduler core': round(sched ? rate / sched.cores : undefined, 0),
      'lag p50 ms': round(quantile(consumer.lags, 0.5), 0),
      'lag p99 ms': round(quantile(consumer.lags, 0.99), 0),
    };
  } finally {
    await scheduler.stop('SIGTERM').catch(() => undefined);
    registry.unsubscribe();
    await consumer.messages.close().catch(() => undefined);
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.delete(ProbeJobStream.name, name).catch(() => undefined);
    await jsm.streams.purge(ProbeJobStream.name).catch(() => undefined);
  }
}

/**
 * Answers `registry.monitors.active` from memory, page by page, in the framing the scheduler's
 * client (NestJS over NATS) expects: the monitors are the bench's, not a database's.
 */
function stubRegistry(nc: NatsConnection, monitors: Monitor[]) {
  const codec = JSONCodec<{ id: string; data: { cursor?: string; limit?: number } }>();
  return nc.subscribe(RegistrySubjects.listActiveMonitors, {
    callback: (_, m) => {
      const request = codec.decode(m.data);
      const from = Number(request.data.cursor ?? 0);
      const to = Math.min(monitors.length, from + PAGE);
      const response = {
        items: monitors.slice(from, to),
        nextCursor: to < monitors.length ? String(to) : null,
      };
      m.respond(JSONCodec().encode({ id: request.id, response, isDisposed: true }));
    },
  });
}
