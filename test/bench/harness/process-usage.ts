import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface UsageSample {
  /** User + system CPU seconds of the process (its own threads, not its children). */
  cpuSeconds: number;
  rssMiB: number;
  at: number;
}

/** Reads /proc/<pid>: any process on this machine, including ones the harness did not start. */
export function sampleProcess(pid: number): UsageSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rssPages = Number(fields[21]);
    return {
      cpuSeconds: (utime + stime) / TICKS_PER_SECOND,
      rssMiB: (rssPages * 4096) / 2 ** 20,
      at: Date.now(),
    };
  } catch {
    return undefined;
  }
}

/** CPU used between two samples, and cores busy on average. */
export function usageBetween(
  a: UsageSample | undefined,
  b: UsageSample | undefined,
): { cpuSeconds: number; cores: number; rssMiB: number } | undefined {
  if (!a || !b) return undefined;
  const cpuSeconds = b.cpuSeconds - a.cpuSeconds;
  return { cpuSeconds, cores: cpuSeconds / ((b.at - a.at) / 1000), rssMiB: b.rssMiB };
}

/** Tracks the peak RSS of a set of processes while a measurement runs. */
export class PeakRss {
  private readonly peaks = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly pids: Map<string, number>) {}

  start(everyMs = 1000): void {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.sample();
  }

  stop(): Map<string, number> {
    clearInterval(this.timer);
    this.sample();
    return this.peaks;
  }

  private sample(): void {
    for (const [name, pid] of this.pids) {
      const s = sampleProcess(pid);
      if (s) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, s.rssMiB));
    }
  }
}

/** PIDs of every process whose command line starts with `name` (e.g. the machine's postgres). */
export function pidsNamed(name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === name) found.push(Number(entry));
    } catch {
      // the process ended between listing and reading
    }
  }
  return found;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Waits until the processes together use less than `maxCores` over one `windowMs`, at most
 * `timeoutMs`: a freshly started platform loads ClickHouse parts, compiles and fills its caches
 * for a few seconds, and a latency measured then is the start-up's, not the steady state's.
 */
export async function waitUntilQuiet(
  pids: number[],
  { maxCores = 0.1, windowMs = 2000, timeoutMs = 60_000 } = {},
): Promise<{ seconds: number; quiet: boolean; cores: number }> {
  const began = Date.now();
  const total = () => pids.reduce((sum, pid) => sum + (sampleProcess(pid)?.cpuSeconds ?? 0), 0);
  let cores = Number.POSITIVE_INFINITY;
  while (Date.now() - began < timeoutMs) {
    const before = total();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    cores = (total() - before) / (windowMs / 1000);
    if (cores < maxCores) return { seconds: (Date.now() - began) / 1000, quiet: true, cores };
  }
  return { seconds: (Date.now() - began) / 1000, quiet: false, cores };
}
