import { freePort } from '@uptime/embedded';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  answers,
  chooseService,
  DEFAULT_NATS_URL,
  DEFAULT_TEST_DATABASE_URL,
  NATS,
  parseInfraMode,
  planTestInfra,
  POSTGRES,
  TestInfraError,
} from './test-infra';
import { waitFor } from './wait-for';

/** The services this run uses, as the runner handed them to the test files. */
const RUN_DATABASE_URL = process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
const RUN_NATS_URL = process.env.NATS_URL || DEFAULT_NATS_URL;

describe('test infrastructure: which services a run uses', () => {
  it('should read TEST_INFRA as auto by default and refuse an unknown mode', () => {
    assert.equal(parseInfraMode(undefined), 'auto');
    assert.equal(parseInfraMode(''), 'auto');
    assert.equal(parseInfraMode('auto'), 'auto');
    assert.equal(parseInfraMode('embedded'), 'embedded');
    assert.throws(() => parseInfraMode('docker'), /TEST_INFRA must be auto or embedded/);
  });

  it('should use what answers, start what does not, and fail on a set URL that does not answer', () => {
    const given = 'nats://127.0.0.1:4999';
    assert.deepEqual(chooseService(NATS, 'auto', undefined, true), {
      use: 'given',
      url: DEFAULT_NATS_URL,
    });
    assert.deepEqual(chooseService(NATS, 'auto', given, true), { use: 'given', url: given });
    assert.deepEqual(chooseService(NATS, 'auto', undefined, false), {
      use: 'embedded',
      because: 'nothing answers at 127.0.0.1:4222',
    });
    assert.throws(
      () => chooseService(NATS, 'auto', given, false),
      (err: Error) =>
        err instanceof TestInfraError &&
        /NATS_URL=nats:\/\/127\.0\.0\.1:4999 is set but nothing answers at 127\.0\.0\.1:4999/.test(
          err.message,
        ),
    );
    assert.deepEqual(chooseService(POSTGRES, 'embedded', undefined, true), {
      use: 'embedded',
      because: 'TEST_INFRA=embedded',
    });
  });

  it('should not print the password of a set URL that does not answer', () => {
    assert.throws(
      () => chooseService(POSTGRES, 'auto', 'postgres://u:hunter2@127.0.0.1:1/test', false),
      (err: Error) => /postgres:\/\/u:\*\*\*@/.test(err.message) && !/hunter2/.test(err.message),
    );
  });

  describe('looking at the network', () => {
    let listener: Server;
    let listening: number;
    let silent: number;

    before(async () => {
      listener = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      listening = (listener.address() as { port: number }).port;
      silent = await freePort();
    });
    after(() => new Promise<void>((resolve) => listener.close(() => resolve())));

    it('should tell a port where something listens from one where nothing does', async () => {
      assert.equal(await answers(`nats://127.0.0.1:${listening}`), true);
      assert.equal(await answers(`nats://127.0.0.1:${silent}`), false);
      assert.equal(await answers(`postgres://postgres@127.0.0.1:${silent}/test`), false);
    });

    it('should start both when nothing answers at the defaults and nothing is set', async () => {
      const choice = await planTestInfra(
        {},
        {
          postgres: { ...POSTGRES, fallback: `postgres://postgres@127.0.0.1:${silent}/test` },
          nats: { ...NATS, fallback: `nats://127.0.0.1:${silent}` },
        },
      );
      assert.deepEqual(choice, {
        postgres: { use: 'embedded', because: `nothing answers at 127.0.0.1:${silent}` },
        nats: { use: 'embedded', because: `nothing answers at 127.0.0.1:${silent}` },
      });
    });

    it('should use the services that answer', async () => {
      const choice = await planTestInfra({
        TEST_DATABASE_URL: RUN_DATABASE_URL,
        NATS_URL: RUN_NATS_URL,
      });
      assert.deepEqual(choice, {
        postgres: { use: 'given', url: RUN_DATABASE_URL },
        nats: { use: 'given', url: RUN_NATS_URL },
      });
    });

    it('should fail fast, naming the variable, when a set URL does not answer', async () => {
      await assert.rejects(
        planTestInfra({
          TEST_DATABASE_URL: RUN_DATABASE_URL,
          NATS_URL: `nats://127.0.0.1:${silent}`,
        }),
        (err: Error) => err instanceof TestInfraError && /^NATS_URL=/.test(err.message),
      );
      await assert.rejects(
        planTestInfra({
          TEST_DATABASE_URL: `postgres://postgres@127.0.0.1:${silent}/test`,
          NATS_URL: RUN_NATS_URL,
        }),
        (err: Error) => err instanceof TestInfraError && /^TEST_DATABASE_URL=/.test(err.message),
      );
    });

    it('should fail fast when PostgreSQL answers but refuses the admin login', async () => {
      const url = new URL(RUN_DATABASE_URL);
      url.username = 'no_such_role_for_tests';
      url.password = 'wrong';
      await assert.rejects(
        planTestInfra({ TEST_DATABASE_URL: url.toString(), NATS_URL: RUN_NATS_URL }),
        (err: Error) =>
          err instanceof TestInfraError &&
          /PostgreSQL answers at .* but refuses the login/.test(err.message) &&
          !err.message.includes(':wrong@'),
      );
    });

    it('should fail fast when NATS answers without JetStream', async () => {
      const port = await freePort();
      const plain = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], {
        stdio: 'ignore',
      });
      try {
        await waitFor('plain nats-server', () => answers(`nats://127.0.0.1:${port}`));
        await assert.rejects(
          planTestInfra({
            TEST_DATABASE_URL: RUN_DATABASE_URL,
            NATS_URL: `nats://127.0.0.1:${port}`,
          }),
          (err: Error) => err instanceof TestInfraError && /has no JetStream/.test(err.message),
        );
      } finally {
        await stopChild(plain);
      }
    });
  });
});

/** test/run-tests.js itself, on a few test files, as `npm test` runs it. */
describe('test run on a machine whose services do not answer (TEST_INFRA=embedded)', () => {
  const runner = join(__dirname, '..', '..', '..', 'test', 'run-tests.js');

  function runTests(filters: string[], env: Record<string, string> = {}): RunnerProcess {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, TEST_INFRA: 'embedded', ...env };
    // This file runs as a child of `node --test`; the runner's own `node --test` must not.
    delete childEnv.NODE_TEST_CONTEXT;
    return new RunnerProcess(
      spawn(process.execPath, [runner, ...filters], {
        env: childEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  }

  it('should start PostgreSQL and NATS, hand them to the tests, and stop them after', async () => {
    // One file that creates databases from the admin URL, one that needs JetStream.
    const run = runTests(['monitor-registry/src/database/migrations.spec', 'jetstream-publisher']);
    const code = await run.exit(150_000);
    assert.equal(code, 0, run.output);
    const started = run.started();
    assert.ok(started, `one line names what was started:\n${run.output}`);
    assert.match(run.output, /^ℹ pass [1-9]/m);
    assert.match(run.output, /^ℹ fail 0$/m);
    assert.equal(await answers(started.postgres), false, 'embedded PostgreSQL stopped');
    assert.equal(await answers(started.nats), false, 'nats-server stopped');
    assert.equal(existsSync(started.dataDir), false, 'its data removed');
  });

  it('should refuse at once, starting nothing, when a set NATS_URL does not answer', async () => {
    const silent = await freePort();
    const run = runTests(['libs/config/src/env.spec'], {
      TEST_INFRA: 'auto',
      TEST_DATABASE_URL: RUN_DATABASE_URL,
      NATS_URL: `nats://127.0.0.1:${silent}`,
    });
    assert.equal(await run.exit(30_000), 1, run.output);
    assert.match(
      run.output,
      new RegExp(
        `cannot run the tests: NATS_URL=nats://127.0.0.1:${silent} is set but nothing answers`,
      ),
    );
    assert.equal(run.started(), undefined);
    assert.doesNotMatch(run.output, /ℹ pass/);
  });

  it('should stop what it started when it is interrupted (SIGTERM) during the tests', async () => {
    const run = runTests(['monitors.e2e']);
    const started = await waitFor('the runner to say what it started', () => run.started(), 60_000);
    assert.equal(await answers(started.postgres), true, 'embedded PostgreSQL up');
    assert.equal(await answers(started.nats), true, 'nats-server up');
    const interruptedAt = Date.now();
    run.child.kill('SIGTERM');
    const code = await run.exit(60_000);
    assert.equal(code, 143, run.output);
    assert.ok(Date.now() - interruptedAt < 30_000, 'bounded in time');
    assert.match(run.output, /test run interrupted \(SIGTERM\)/);
    assert.equal(await answers(started.postgres), false, 'embedded PostgreSQL stopped');
    assert.equal(await answers(started.nats), false, 'nats-server stopped');
    assert.equal(existsSync(started.dataDir), false, 'its data removed');
  });
});

interface Started {
  postgres: string;
  nats: string;
  dataDir: string;
}

class RunnerProcess {
  output = '';
  private readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** What the runner's one line says it started (the password is redacted in it). */
  started(): Started | undefined {
    const line = /^test infrastructure: .*$/m.exec(this.output)?.[0];
    if (!line) return undefined;
    const postgres = /started embedded PostgreSQL at (postgres:\/\/\S+)/.exec(line)?.[1];
    const nats = /started nats-server at (nats:\/\/\S+)/.exec(line)?.[1];
    const dataDir = /data under (\S+),/.exec(line)?.[1];
    assert.ok(postgres && nats && dataDir, line);
    return { postgres, nats, dataDir };
  }

  exit(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`runner did not exit within ${timeoutMs} ms:\n${this.output}`));
      }, timeoutMs);
    });
    return Promise.race([this.exited, deadline]).finally(() => clearTimeout(timer));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
