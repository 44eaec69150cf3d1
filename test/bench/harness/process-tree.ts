import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime + cutime + cstime, in seconds. */
  cpuSeconds: number;
  /** Start time in ticks since boot: with the pid, names one process even after pid reuse. */
  startTicks: number;
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // Fields after the command name, which is in parentheses and may contain spaces.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return {
      pid,
      ppid: Number(f[1]),
      comm,
      cpuSeconds: ticks / TICKS_PER_SECOND,
      startTicks: Number(f[19]),
    };
  } catch {
    return undefined;
  }
}

function allStats(): ProcStat[] {
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const stats: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(Number(entry));
    if (s) stats.push(s);
  }
  return stats;
}

/** A process and every process below it (found by parent pid), alive now. */
export function processTree(root: number): ProcStat[] {
  const stats = allStats();
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const rootStat = stats.find((s) => s.pid === root);
  if (!rootStat) return [];
  const tree: ProcStat[] = [];
  const queue = [rootStat];
  while (queue.length) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(children.get(next.pid) ?? []));
  }
  return tree;
}

/**
 * CPU seconds of a process tree by command name (`node`, `postgres`, `nats-server`). Each
 * process counts its own time and that of the children it has reaped, so the sum over the
 * live tree stays consistent when a child exits between two samples.
 */
export function treeCpu(root: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const s of processTree(root)) byName.set(s.comm, (byName.get(s.comm) ?? 0) + s.cpuSeconds);
  return byName;
}

export function totalOf(cpu: Map<string, number>): number {
  let total = 0;
  for (const v of cpu.values()) total += v;
  return total;
}

/**
 * CPU seconds of each thread of one process, by thread id: the main thread runs the event
 * loop; chDB, libuv and V8 (GC, compiler) name theirs.
 */
export function threadCpu(pid: number): Map<string, { name: string; cpuSeconds: number }> {
  const threads = new Map<string, { name: string; cpuSeconds: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = tid === String(pid) ? 'main' : comm.replace(/\d+$/, '');
      threads.set(tid, { name, cpuSeconds: (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND });
    } catch {
      // the thread ended
    }
  }
  return threads;
}

/** CPU seconds by thread name since `before` (threads started since count from zero). */
export function threadCpuSince(
  pid: number,
  before: Map<string, { name: string; cpuSeconds: number }>,
): Map<string, number> {
  const byName = new Map<string, number>();
  for (const [tid, { name, cpuSeconds }] of threadCpu(pid)) {
    const spent = cpuSeconds - (before.get(tid)?.cpuSeconds ?? 0);
    byName.set(name, (byName.get(name) ?? 0) + spent);
  }
  return new Map([...byName].sort((a, b) => b[1] - a[1]));
}
