import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** Where reports (and profiles) are written: the source tree, not dist/, so they can be committed. */
export const RESULTS_DIR = join(__dirname, '..', '..', '..', '..', 'test', 'bench', 'results');

/** One line of a scenario's table: column name to value. */
export type Row = Record<string, string | number | null>;

/** A stated target next to what this run measured. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

export interface ScenarioReport {
  scenario: string;
  /** What the scenario ran with (counts, durations, concurrency). */
  parameters: Record<string, unknown>;
  rows: Row[];
  targets: TargetCheck[];
  /** What bounds the figures, caveats, profiles taken. */
  notes: string[];
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim();
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
}

/** Columns are the union of the rows' keys, in first-seen order. */
function columnsOf(rows: Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return String(value);
}

export function markdownTable(rows: Row[]): string {
  if (rows.length === 0) return '_no rows_\n';
  const columns = columnsOf(rows);
  const lines = [
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((c) => cell(row[c])).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

export function printTable(rows: Row[]): void {
  if (rows.length === 0) return;
  const columns = columnsOf(rows);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((c) => cell(row[c])))}\n`);
}

/** Writes `<scenario>-<stamp>.json|md` and `<scenario>-latest.json|md` into the results folder. */
export function writeReport(
  dir: string,
  report: ScenarioReport,
  context: { command: string; startedAt: Date; finishedAt: Date },
): string[] {
  mkdirSync(dir, { recursive: true });
  const full = {
    ...report,
    machine: machine(),
    commit: commit(),
    command: context.command,
    startedAt: context.startedAt.toISOString(),
    finishedAt: context.finishedAt.toISOString(),
  };
  const md = [
    `# Benchmark: ${report.scenario}`,
    '',
    `- command: \`${context.command}\``,
    `- commit: ${full.commit}`,
    `- machine: ${full.machine.cores} cores (${full.machine.cpuModel}), ${full.machine.memoryGiB} GiB, Node ${full.machine.node}, ${full.machine.platform}`,
    `- run: ${full.startedAt} → ${full.finishedAt}`,
    `- parameters: \`${JSON.stringify(report.parameters)}\``,
    '',
    markdownTable(report.rows),
    report.targets.length ? '## Targets\n' : '',
    report.targets.length
      ? markdownTable(
          report.targets.map((t) => ({
            target: t.target,
            measured: t.measured,
            met: t.met ? 'yes' : 'no',
          })),
        )
      : '',
    report.notes.length ? '## Notes\n' : '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  const stamp = full.startedAt.replace(/[:.]/g, '-');
  const written: string[] = [];
  for (const name of [`${report.scenario}-${stamp}`, `${report.scenario}-latest`]) {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(full, null, 2) + '\n');
    writeFileSync(join(dir, `${name}.md`), md);
    written.push(join(dir, `${name}.md`));
  }
  return written;
}
