import { fork } from 'node:child_process';
import { join } from 'node:path';

export interface RawRun {
  checks: number;
  errors: number;
  seconds: number;
  cpuSeconds: number;
}

/** Runs the plain undici loop in its own process and returns its measured window. */
export function runRawUndici(options: {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  urls: string[];
}): Promise<RawRun> {
  const child = fork(
    join(__dirname, 'raw-undici-process.js'),
    [
      String(options.concurrency),
      String(options.warmupMs),
      String(options.durationMs),
      ...options.urls,
    ],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  return new Promise((resolve, reject) => {
    child.once('message', (m: RawRun) => resolve(m));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`raw undici loop exited ${code}`));
    });
  });
}
