#!/usr/bin/env node
// Runs every compiled test file: `*.spec.js` beside the code, `test/e2e/*.e2e-spec.js` across apps.
// Files run one at a time: end-to-end files start services that answer shared NATS subjects.
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..', 'dist');
const only = process.argv.slice(2);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : walk(path);
    return /\.(e2e-)?spec\.js$/.test(name) ? [path] : [];
  });
}

const files = ['libs', 'apps', 'test']
  .flatMap((d) => walk(join(root, d)))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort((a, b) => Number(a.includes('e2e')) - Number(b.includes('e2e')) || a.localeCompare(b));

if (files.length === 0) {
  console.error('no test files found under dist/: run `npm run build` first');
  process.exit(1);
}
// No --test-force-exit: on Node 20 it can end a file before its later suites run, silently.
// A file that leaves a handle open must fail instead, so a watchdog bounds the whole run.
const WATCHDOG_MS = 30 * 60 * 1000;
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-timeout=180000', '--test-reporter=spec', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    timeout: WATCHDOG_MS,
    killSignal: 'SIGKILL',
  },
);
if (result.error)
  console.error(`test run stopped: ${result.error.message} (watchdog ${WATCHDOG_MS / 60000} min)`);
process.exit(result.status ?? 1);
