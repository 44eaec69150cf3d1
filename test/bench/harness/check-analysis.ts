import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { AnalysisWindow, StorageSize, WindowAnalysis } from './check-analysis-process';

export type { AnalysisWindow, StorageSize, WindowAnalysis };

/** Runs the analysis of stored checks in a child process that opens the embedded ClickHouse. */
export function analyseStoredChecks(
  clickhousePath: string,
  database: string,
  windows: AnalysisWindow[],
): Promise<{ analyses: WindowAnalysis[]; size: StorageSize }> {
  const child = fork(
    join(__dirname, 'check-analysis-process.js'),
    [clickhousePath, database, JSON.stringify(windows)],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  return new Promise((resolve, reject) => {
    child.once('message', (m: { analyses: WindowAnalysis[]; size: StorageSize }) => resolve(m));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`check analysis exited ${code}`));
    });
  });
}
