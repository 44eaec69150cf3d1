import 'reflect-metadata';
import { printTable, RESULTS_DIR, writeReport } from './harness/report';
import { BenchOptions, type Scenario } from './scenarios/scenario';
import { pipelineScenario } from './scenarios/pipeline';
import { proberScenario } from './scenarios/prober';
import { queriesScenario } from './scenarios/queries';
import { alertScenario } from './scenarios/alert';
import { pingsScenario } from './scenarios/pings';

const SCENARIOS: Scenario[] = [
  proberScenario,
  pipelineScenario,
  queriesScenario,
  alertScenario,
  pingsScenario,
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
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
