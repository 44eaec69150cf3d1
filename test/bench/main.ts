import 'reflect-metadata';
import { leaveSignalsToCaller } from '../support/app-process';
import { stopEverything } from './harness/cleanup';
import { printTable, RESULTS_DIR, writeReport } from './harness/report';
import { BenchOptions, type Scenario } from './scenarios/scenario';
import { pipelineScenario } from './scenarios/pipeline';
import { proberScenario } from './scenarios/prober';
import { queriesScenario } from './scenarios/queries';
import { alertScenario } from './scenarios/alert';
import { pingsScenario } from './scenarios/pings';
import { propagationScenario } from './scenarios/propagation';
import { schedulerScenario } from './scenarios/scheduler';
import { embeddedScenario } from './scenarios/embedded';
import { notifierScenario } from './scenarios/notifier';
import { statusPageScenario } from './scenarios/status-page';
import { webBundleScenario } from './scenarios/web-bundle';

const SCENARIOS: Scenario[] = [
  proberScenario,
  pipelineScenario,
  queriesScenario,
  alertScenario,
  pingsScenario,
  propagationScenario,
  schedulerScenario,
  embeddedScenario,
  notifierScenario,
  statusPageScenario,
  webBundleScenario,
];

function usage(): string {
  return [
    'usage: npm run bench -- <scenario...|all> [--option=value ...]',
    '',
    ...SCENARIOS.map((s) => `  ${s.name.padEnd(10)} ${s.description}`),
    '  all        every scenario above, in this order',
  ].join('\n');
}

/** Runs the named scenarios one after the other; never part of `npm test`. */
async function main(): Promise<number> {
  const { scenarios: names, options } = BenchOptions.parse(process.argv.slice(2));
  if (names.length === 0) {
    process.stderr.write(`${usage()}\n`);
    return 2;
  }
  const chosen = names.includes('all')
    ? SCENARIOS
    : names.map((n) => SCENARIOS.find((s) => s.name === n));
  const unknown = names.filter((n) => n !== 'all' && !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) {
    process.stderr.write(`unknown scenario: ${unknown.join(', ')}\n${usage()}\n`);
    return 2;
  }
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
  let failed = 0;
  for (const scenario of chosen as Scenario[]) {
    if (interrupted) break;
    process.stdout.write(`\n== ${scenario.name}: ${scenario.description}\n`);
    const startedAt = new Date();
    try {
      const report = await scenario.run(options);
      printTable(report.rows);
      for (const t of report.targets)
        process.stdout.write(`target ${t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.measured}\n`);
      const files = writeReport(RESULTS_DIR, report, {
        command,
        startedAt,
        finishedAt: new Date(),
      });
      process.stdout.write(`written: ${files[0]}\n`);
    } catch (err) {
      failed++;
      process.stderr.write(
        `${scenario.name} failed: ${err instanceof Error ? err.stack : String(err)}\n`,
      );
    }
    // A scenario stops what it started; whatever a failure left behind goes here.
    await stopEverything(warn);
  }
  return failed ? 1 : 0;
}

/** Set by Ctrl-C or SIGTERM: no further scenario starts. */
let interrupted = false;

function warn(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Ctrl-C (or a SIGTERM) stops the apps, NATS servers, databases and folders of the run, then exits. */
function stopEverythingOnSignal(): void {
  leaveSignalsToCaller();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      warn(`${signal}: stopping what the bench started`);
      // A second signal while cleaning up ends the run at once.
      process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
      void stopEverything(warn).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}

stopEverythingOnSignal();
main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    await stopEverything(warn);
    process.exit(1);
  },
);
