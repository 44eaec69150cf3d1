#!/usr/bin/env node
// Runs every compiled test file: `*.spec.js` beside the code, `test/e2e/*.e2e-spec.js` across apps.
// Files run one at a time: end-to-end files start services that answer shared NATS subjects.
//
// PostgreSQL and NATS: the machine's when they answer at TEST_DATABASE_URL / NATS_URL (or their
// defaults, :5432 and :4222); otherwise an embedded PostgreSQL and a nats-server from the PATH are
// started for the run and stopped after it, also when it fails or is interrupted.
// TEST_INFRA=embedded starts them even when the machine's answer.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawn } = require('node:child_process');
const { constants } = require('node:os');
const { setTimeout, clearTimeout } = require('node:timers');

const root = join(__dirname, '..', 'dist');
const only = process.argv.slice(2);

// No --test-force-exit: on Node 20 it can end a file before its later suites run, silently.
// A file that leaves a handle open must fail instead, so a watchdog bounds the whole run.
// The whole suite takes about 25 min on a quiet 2-core host; CI as a whole must end within 90.
const WATCHDOG_MS = 60 * 60 * 1000;
// After a signal, the tests get this long to end before they are killed.
const INTERRUPT_GRACE_MS = 10_000;
// Each file's bound, its process start and `before` hooks included: Node's `--test-timeout`
// applies to a file as one test. A file that overruns is ended and reports the tests it finished.
// CI keeps the default; TEST_FILE_TIMEOUT_MS raises it to find where time goes on a loaded host.
const FILE_TIMEOUT_MS = fileTimeoutMs(process.env.TEST_FILE_TIMEOUT_MS);

function fileTimeoutMs(text) {
  if (text === undefined || text === '') return 240_000;
  if (!/^[1-9]\d*$/.test(text)) {
    console.error(`TEST_FILE_TIMEOUT_MS: must be a whole number of milliseconds, not ${text}`);
    process.exit(1);
  }
  return Number(text);
}

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : walk(path);
    return /\.(e2e-)?spec\.js$/.test(name) ? [path] : [];
  });
}

function testFiles() {
  return ['libs', 'apps', 'test']
    .flatMap((d) => walk(join(root, d)))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort((a, b) => Number(a.includes('e2e')) - Number(b.includes('e2e')) || a.localeCompare(b));
}

let interrupted; // the signal that asked the run to stop
let tests; // the `node --test` child, leader of its own process group
let forceKill;

// The tests run in a process group of their own so that a signal reaches every file's process
// (and the apps they start), and so that Ctrl-C reaches them only through this runner.
function signalTests(signal) {
  if (!tests?.pid) return;
  try {
    process.kill(-tests.pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
  }
}

function onSignal(signal) {
  if (interrupted) return signalTests('SIGKILL');
  interrupted = signal;
  console.error(`\ntest run interrupted (${signal}): stopping the tests and what the run started`);
  signalTests(signal);
  forceKill = setTimeout(() => signalTests('SIGKILL'), INTERRUPT_GRACE_MS);
}

function runTests(files, infraEnv) {
  return new Promise((resolve) => {
    tests = spawn(
      process.execPath,
      [
        '--test',
        '--test-concurrency=1',
        `--test-timeout=${FILE_TIMEOUT_MS}`,
        '--test-reporter=spec',
        ...files,
      ],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        detached: true,
        env: { ...process.env, ...infraEnv, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
      },
    );
    const watchdog = setTimeout(() => {
      console.error(`test run stopped: watchdog ${WATCHDOG_MS / 60000} min`);
      signalTests('SIGKILL');
    }, WATCHDOG_MS);
    tests.once('error', (err) => {
      console.error(`test run did not start: ${err.message}`);
      clearTimeout(watchdog);
      resolve(1);
    });
    tests.once('exit', (code) => {
      clearTimeout(watchdog);
      clearTimeout(forceKill);
      // What is left of the group (an app a test file started and never stopped) goes with it.
      signalTests('SIGKILL');
      resolve(code ?? 1);
    });
  });
}

async function main() {
  const files = testFiles();
  if (files.length === 0) {
    console.error('no test files found under dist/: run `npm run build` first');
    return 1;
  }
  const { planTestInfra, startTestInfra, TestInfraError } = require(
    join(root, 'test', 'support', 'test-infra.js'),
  );
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let infra;
  try {
    infra = await startTestInfra(await planTestInfra(process.env), (line) => console.error(line));
    if (infra.summary) console.log(infra.summary);
    if (interrupted) return 128 + constants.signals[interrupted];
    const code = await runTests(files, infra.env);
    return interrupted ? 128 + constants.signals[interrupted] : code;
  } catch (err) {
    // Ctrl-C reaches the embedded services' processes too: a start it broke is no error to show.
    if (interrupted) return 128 + constants.signals[interrupted];
    if (!(err instanceof TestInfraError)) throw err;
    console.error(`cannot run the tests: ${err.message}`);
    return 1;
  } finally {
    await infra?.stop();
  }
}

// process.exit rather than a natural end: the test processes' exit code is the answer, and a
// handle left open by a stopped service must not keep the runner waiting.
main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
