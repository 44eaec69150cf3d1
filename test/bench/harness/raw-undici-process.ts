import { Client } from 'undici';

/**
 * The baseline the prober is held against: a plain undici loop with the prober's connection
 * policy (a fresh connection per check, closed after it), `concurrency` checks at a time over
 * the given targets. Argv: concurrency, warmupMs, durationMs, then URLs. Sends its count and CPU
 * for the measured window (after the warm-up) to the parent over IPC.
 */
const [concurrencyArg, warmupArg, durationArg, ...urls] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const warmupMs = Number(warmupArg);
const durationMs = Number(durationArg);

let checks = 0;
let errors = 0;
let next = 0;

async function checkOnce(url: URL): Promise<void> {
  const client = new Client(url.origin);
  try {
    const res = await client.request({ path: url.pathname, method: 'GET' });
    await res.body.text();
    if (res.statusCode !== 200) errors++;
  } catch {
    errors++;
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function worker(until: number, targets: URL[]): Promise<void> {
  while (Date.now() < until) {
    await checkOnce(targets[next++ % targets.length]!);
    checks++;
  }
}

async function main(): Promise<void> {
  const targets = urls.map((u) => new URL(u));
  const end = Date.now() + warmupMs + durationMs;
  const workers = Array.from({ length: concurrency }, () => worker(end, targets));
  await new Promise((r) => setTimeout(r, warmupMs));
  const checks0 = checks;
  const errors0 = errors;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  const measured = {
    checks: checks - checks0,
    errors: errors - errors0,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  await Promise.all(workers);
  process.send?.(measured, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`raw undici loop failed: ${String(err)}\n`);
  process.exit(1);
});
