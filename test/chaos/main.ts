import 'reflect-metadata';
import { CheckResultStream, DurableConsumers } from '@uptime/contracts';
import { freePort } from '@uptime/embedded';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'nats';
import { analyseStoredChecks } from '../bench/harness/check-analysis';
import { createMonitorsInBulk } from '../bench/harness/bulk-monitors';
import { machine, markdownTable, printTable, type Row } from '../bench/harness/report';
import { round, sleep } from '../bench/harness/stats';
import { BenchOptions } from '../bench/scenarios/scenario';
import { AlertReceiver } from '../support/alert-receiver';
import { ApiClient } from '../support/api-client';
import { ChaosNats, ChaosPostgres, chaosDir, cleanUpEverything, smallDisk } from './harness/infra';
import { ApiSampler, ChaosTargets } from './harness/observers';
import { ChaosPlatform } from './harness/platform';
import { type Fault, type FaultContext, FAULTS } from './scenarios';

const RESULTS_DIR = join(__dirname, '..', '..', '..', 'test', 'chaos', 'results');

/**
 * The streams' sizes on the small tmpfs of `disk-full`: their defaults (6.6 GiB together) are
 * more than the embedded nats-server may reserve there (75 % of the free space), and it refuses
 * to create a stream it cannot reserve. 192 MiB together leaves room for PostgreSQL and chDB.
 */
const SMALL_STREAMS: Record<string, string> = {
  MONITOR_EVENTS_MAX_MB: '32',
  PROBE_JOBS_MAX_MB: '32',
  CHECK_RESULTS_MAX_MB: '64',
  CHANNEL_EVENTS_MAX_MB: '16',
  MAINTENANCE_EVENTS_MAX_MB: '16',
  MISSED_SLOTS_MAX_MB: '32',
};

interface Settings {
  monitors: number;
  alertMonitors: number;
  intervalSeconds: number;
  targetDelayMs: number;
  diskMiB: number;
}

/** One scenario: the platform under steady load, one fault, then what was stored and sent. */
async function runFault(fault: Fault, s: Settings): Promise<Row> {
  const dir = chaosDir(`uptime-chaos-${fault.name}-`);
  const ctx: Partial<FaultContext> = { state: new Map() };
  let env: Record<string, string>;
  let dataDir: string;
  let natsUrl: string;
  if (fault.mode === 'single') {
    ctx.disk = smallDisk(s.diskMiB);
    dataDir = ctx.disk;
    // Nothing answers there, so the platform starts its own nats-server under DATA_DIR.
    natsUrl = `nats://127.0.0.1:${await freePort()}`;
    env = { DATA_DIR: dataDir, NATS_URL: natsUrl, ...SMALL_STREAMS };
  } else {
    ctx.nats = await ChaosNats.start(dir);
    ctx.postgres = await ChaosPostgres.start(dir);
    dataDir = join(dir, 'data');
    natsUrl = ctx.nats.url;
    env = { DATA_DIR: dataDir, NATS_URL: natsUrl, DATABASE_URL: ctx.postgres.url };
  }
  const targets = await ChaosTargets.start(s.targetDelayMs);
  const receiver = await AlertReceiver.start();
  const log = (m: string) => process.stdout.write(`   [${fault.name}] ${m}\n`);
  log('starting the platform');
  const platform = await ChaosPlatform.start(fault.mode, env);
  ctx.platform = platform;
  let sampler: ApiSampler | undefined;
  try {
    const api = new ApiClient(platform.gatewayUrl);
    // A loaded host's registry can time out a register or login (503): a new user then.
    const user = await withRetries(() =>
      api
        .newUser('chaos')
        .then((u) => ({ ...u, status: 200 }))
        .catch(() => ({ status: 503 }) as const),
    ).then((u) => {
      if (!('accessToken' in u)) throw new Error('no user could be registered and logged in');
      return u;
    });
    const channel = await api.post<{ id: string }>(
      '/api/v1/channels',
      {
        name: 'chaos hook',
        type: 'webhook',
        config: { url: receiver.url, secret: 'x'.repeat(32) },
      },
      user.accessToken,
    );
    if (channel.status !== 201) throw new Error(`channel: ${JSON.stringify(channel.body)}`);
    const steady = await createSteadyMonitors(api, user.accessToken, targets, s);
    const alerting: string[] = [];
    for (let i = 0; i < s.alertMonitors; i++) {
      const res = await withRetries(() =>
        api.post<{ id: string }>(
          '/api/v1/monitors',
          {
            name: `alerting ${i}`,
            url: `${targets.base}/alert/${i}`,
            intervalSeconds: s.intervalSeconds,
            channelIds: [channel.body.id],
          },
          user.accessToken,
        ),
      );
      // 409: a retried request whose first attempt was committed after the gateway gave up.
      const id =
        res.status === 409
          ? await monitorNamed(api, user.accessToken, `alerting ${i}`)
          : res.body.id;
      if (res.status !== 201 && res.status !== 409)
        throw new Error(`monitor: ${JSON.stringify(res.body)}`);
      alerting.push(id);
    }
    const total = s.monitors + s.alertMonitors;
    await waitForSchedule(platform, total);
    log(`${total} monitors scheduled`);
    // Every monitor's first slot comes round within one interval; the window starts after it.
    await sleep(s.intervalSeconds * 1000);
    const from = Date.now();
    sampler = new ApiSampler(platform.gatewayUrl, user.accessToken, steady[0]!);
    sampler.start();
    await sleep(Math.max(20_000, -fault.targetDownAt * 1000 + 5_000));
    const faultStart = Date.now();
    const downAt = faultStart + fault.targetDownAt * 1000;
    const goDown = setTimeout(() => (targets.down = true), Math.max(0, downAt - Date.now()));
    if (downAt <= Date.now()) targets.down = true;
    sampler.phase = 'fault';
    log(`fault: ${fault.description}`);
    await fault.inject(ctx as FaultContext);
    await sleep(fault.faultSeconds * 1000);
    await fault.heal(ctx as FaultContext);
    const faultEnd = Date.now();
    sampler.phase = 'after';
    log('healed; waiting for recovery');
    const recoveredAt = await waitForRecovery(
      platform,
      api,
      user.accessToken,
      steady[0]!,
      faultEnd,
    );
    log(
      `recovered ${recoveredAt ? `${(recoveredAt - faultEnd) / 1000} s` : 'never (180 s)'} after`,
    );
    // The alert targets answer again 30 s after they failed, never before the fault ended, and
    // only once the platform has worked for 30 s (three slots) since it recovered: a target
    // down only while nothing could check it (disk-full: JetStream stuck from the fault's start)
    // gives the platform nothing to alert on, and the row would blame it for alerts never sent.
    const upAt = Math.max(
      faultEnd + 10_000,
      downAt + 30_000,
      (recoveredAt ?? faultEnd) + 3 * s.intervalSeconds * 1000,
    );
    await sleep(Math.max(0, upAt - Date.now()));
    clearTimeout(goDown);
    targets.down = false;
    const seconds =
      Math.ceil((Date.now() + 30_000 - from) / 1000 / s.intervalSeconds) * s.intervalSeconds;
    const to = from + seconds * 1000;
    await sleep(Math.max(0, to - Date.now()));
    sampler.stop();
    // Checks of the window's last slots are still running or queued: give them their time.
    await sleep(10_000);
    await waitFor(() => alerting.every((id) => receiver.of(id, 'up').length > 0), 60_000);
    // A JetStream that never came back (disk-full) cannot be drained: the row says what was stored.
    await drain(natsUrl, 60_000).catch((err: unknown) => log(`no drain: ${String(err)}`));
    await platform.stop();
    // What the launcher did about its embedded nats-server (the JetStream watch, restarts).
    if (fault.mode === 'single') {
      for (const line of platform.output('platform').split('\n'))
        if (/JetStream|nats-server/.test(line)) log(`platform: ${line.trim()}`);
      // And what the nats-server said of its store (its log is on the same disk: it may have
      // lost lines while the disk was full).
      const natsLog = readFileSafe(join(dataDir, 'nats-server.log'));
      const problems = natsLog.split('\n').filter((l) => /\[(ERR|WRN)\]/.test(l));
      for (const line of problems.slice(0, 10)) log(`nats-server: ${line.trim()}`);
      if (problems.length > 10)
        log(`nats-server: … ${problems.length - 10} more [ERR]/[WRN] lines`);
    }
    const [stored] = (
      await analyseStoredChecks(join(dataDir, 'clickhouse'), 'uptime', [
        { from, to, monitors: total, slotsPerMonitor: seconds / s.intervalSeconds },
      ])
    ).analyses;
    const expected = total * (seconds / s.intervalSeconds);
    // Recorded as not checked, with a reason: accounted for, not lost (coverage counts them).
    const missed = Object.values(stored!.missed).reduce((a, b) => a + b, 0);
    const reasons = Object.entries(stored!.missed)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    const downs = alerting.map((id) => receiver.of(id, 'down').length);
    const ups = alerting.map((id) => receiver.of(id, 'up').length);
    const extra = (n: number[]) => n.reduce((a, b) => a + Math.max(0, b - 1), 0);
    return {
      scenario: fault.name,
      'checks expected': expected,
      stored: stored!.unique,
      'missed (recorded)': missed ? `${missed} (${reasons})` : 0,
      lost: expected - stored!.unique - missed,
      duplicated: stored!.rows - stored!.unique,
      'monitors off count': stored!.monitorsWithWrongCount,
      'alerts down/up sent': `${downs.reduce((a, b) => a + b, 0)}/${ups.reduce((a, b) => a + b, 0)} of ${alerting.length}/${alerting.length}`,
      'alerts twice': extra(downs) + extra(ups),
      'alerts never': downs.filter((n) => n === 0).length + ups.filter((n) => n === 0).length,
      'recovery s': recoveredAt ? round((recoveredAt - faultEnd) / 1000, 1) : 'never',
      'API before': sampler.summary('before'),
      'API during fault': sampler.summary('fault'),
      'API after': sampler.summary('after'),
      'lag p99 ms': stored!.lagP99,
      'e2e max ms': stored!.e2eMax,
      'window s': seconds,
    };
  } finally {
    sampler?.stop();
    await platform.stop();
    await receiver.close();
    await targets.close();
    if (ctx.nats) await ctx.nats.kill('SIGTERM');
    ctx.postgres?.stop('fast');
    cleanUpEverything();
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The load: bulk requests of 100, one at a time. On a busy machine one can time out at the
 * gateway (503) and still commit: it is sent again, and a 409 then means it was created. Only
 * the first monitor's id is needed (the API sampler and the recovery probe read its checks).
 */
async function createSteadyMonitors(
  api: ApiClient,
  token: string,
  targets: ChaosTargets,
  s: Settings,
): Promise<string[]> {
  const ids = await createMonitorsInBulk(api, token, {
    from: 0,
    to: s.monitors,
    concurrency: 1,
    perRequest: 100,
    retries: 20,
    monitorOf: (i) => ({
      name: `steady ${i}`,
      url: `${targets.base}/steady/${i}`,
      intervalSeconds: s.intervalSeconds,
    }),
  });
  ids[0] ??= await monitorNamed(api, token, 'steady 0');
  return ids;
}

async function monitorNamed(api: ApiClient, token: string, name: string): Promise<string> {
  for (let cursor: string | null = null, page = 0; page < 100; page++) {
    const res: Awaited<
      ReturnType<
        typeof api.get<{ items: { id: string; name: string }[]; nextCursor: string | null }>
      >
    > = await withRetries(() =>
      api.get(`/api/v1/monitors?limit=100${cursor ? `&cursor=${cursor}` : ''}`, token),
    );
    if (res.status !== 200) throw new Error(`listing monitors: ${res.status}`);
    const found = res.body.items.find((m) => m.name === name);
    if (found) return found.id;
    cursor = res.body.nextCursor;
    if (!cursor) break;
  }
  throw new Error(`no monitor named ${name}`);
}

/** A busy machine makes the first requests time out (503): set-up retries them. */
async function withRetries<T extends { status: number }>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const res = await request();
    if (res.status !== 503 || attempt === 20) return res;
    await sleep(3000);
  }
}

async function waitForSchedule(platform: ChaosPlatform, monitors: number): Promise<void> {
  const schedulers = platform.names.filter((n) => n.startsWith('scheduler') || n === 'platform');
  const ok = await waitFor(async () => {
    for (const name of schedulers) {
      const text = await fetch(`${platform.url(name)}/metrics`).then((r) => r.text());
      const line = /^uptime_scheduler_monitors(\{[^}]*\})? (\d+)$/m.exec(text);
      if (line && Number(line[2]) >= monitors) return true;
    }
    return false;
  }, 300_000);
  if (!ok) throw new Error(`the scheduler did not reach ${monitors} monitors`);
}

/**
 * Recovered: every process is ready again, and a check scheduled after the fault ended can be
 * read through the API (so scheduling, probing, the results stream and storage all work).
 */
async function waitForRecovery(
  platform: ChaosPlatform,
  api: ApiClient,
  token: string,
  monitorId: string,
  faultEnd: number,
): Promise<number | undefined> {
  const since = new Date(faultEnd).toISOString();
  const ok = await waitFor(async () => {
    if (!(await platform.allReady())) return false;
    const res = await api.get<{ items: unknown[] }>(
      `/api/v1/monitors/${monitorId}/checks?from=${encodeURIComponent(since)}&limit=1`,
      token,
    );
    return res.status === 200 && res.body.items.length > 0;
  }, 180_000);
  return ok ? Date.now() : undefined;
}

async function waitFor(
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve(probe()).catch(() => false)) return true;
    await sleep(500);
  }
  return false;
}

/** Lets the metrics service store what is still queued before the platform stops. */
async function drain(natsUrl: string, timeoutMs: number): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    await waitFor(async () => {
      const info = await jsm.consumers.info(
        CheckResultStream.name,
        DurableConsumers.metricsResults,
      );
      return info.num_pending + info.num_ack_pending === 0;
    }, timeoutMs);
  } finally {
    await nc.close();
  }
}

function usage(): string {
  return [
    'usage: npm run chaos -- [--scenario=<name>[,<name>…]] [--monitors=200] [--interval=10] [--alert-monitors=5]',
    '',
    ...FAULTS.map((f) => `  ${f.name.padEnd(22)} ${f.description}`),
  ].join('\n');
}

async function main(): Promise<number> {
  const { options } = BenchOptions.parse(process.argv.slice(2));
  const name = options.string('scenario', 'all');
  const names = name.split(',');
  const chosen = name === 'all' ? FAULTS : FAULTS.filter((f) => names.includes(f.name));
  if (chosen.length === 0 || options.flag('help')) {
    process.stderr.write(`${usage()}\n`);
    return 2;
  }
  const settings: Settings = {
    monitors: options.int('monitors', 200),
    alertMonitors: options.int('alert-monitors', 5),
    intervalSeconds: options.int('interval', 10),
    targetDelayMs: options.int('target-delay', 300),
    diskMiB: options.int('disk-mib', 768),
  };
  const rows: Row[] = [];
  let failed = 0;
  for (const fault of chosen) {
    process.stdout.write(`\n== ${fault.name}: ${fault.description}\n`);
    const startedAt = new Date();
    try {
      const row = await runFault(fault, settings);
      rows.push(row);
      printTable([row]);
      mkdirSync(RESULTS_DIR, { recursive: true });
      const record = {
        row,
        settings,
        command: `npm run chaos -- ${process.argv.slice(2).join(' ')}`,
        machine: machine(),
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
      };
      writeFileSync(
        join(RESULTS_DIR, `${fault.name}-latest.json`),
        `${JSON.stringify(record, null, 2)}\n`,
      );
    } catch (err) {
      failed++;
      process.stderr.write(
        `${fault.name} failed: ${err instanceof Error ? err.stack : String(err)}\n`,
      );
    }
  }
  if (rows.length > 1) process.stdout.write(`\n${markdownTable(rows)}\n`);
  return failed ? 1 : 0;
}

// Everything the run started goes with it: on exit (also after Ctrl-C, where the app processes'
// own handler stops them first) and when nothing else ends the process within a few seconds.
process.once('exit', cleanUpEverything);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => setTimeout(() => process.exit(130), 8_000).unref());

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
