import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

interface Outcome {
  /** What the child printed: one line per step of its script. */
  lines: string[];
  /** The exit code, or 'hung' when the process had not exited by the deadline. */
  exit: number | 'hung';
}

/**
 * Runs `script` in a process of its own with `client`, a BusClient on the real NATS server, and
 * reports whether that process then exits by itself: a connection left open keeps it alive.
 */
function runClient(script: string, deadlineMs = 15_000): Promise<Outcome> {
  const busClient = join(__dirname, 'bus-client.js');
  const program = `
    const { BusClient } = require(${JSON.stringify(busClient)});
    const client = BusClient.connect(${JSON.stringify(NATS_URL)}, 'bus-client-spec', 1000);
    const say = (line) => console.log(line);
    (async () => { ${script} })().catch((err) => { console.log('threw ' + err.message); process.exitCode = 3; });
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', program], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'error' },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = out.split('\n').filter((l) => l && !l.includes('[Nest]'));
      resolve({ lines, exit: code ?? 'hung' });
    });
  });
}

const nobodyAnswers = () => `bustest.${randomUUID().slice(0, 8)}.nobody`;

describe('BusClient', () => {
  it('should let its process exit when closed while its first request is still connecting', async () => {
    const outcome = await runClient(`
      const pending = client.request(${JSON.stringify(nobodyAnswers())}, {}).catch((e) => e.problem.status);
      await client.close();
      say('closed');
      say('request ended with ' + (await pending));
    `);
    assert.equal(
      outcome.exit,
      0,
      `the process did not exit by itself: ${outcome.lines.join(' | ')}`,
    );
    assert.deepEqual(outcome.lines, ['closed', 'request ended with 503']);
  });

  it('should refuse a request after close with a 503, opening no connection that outlives it', async () => {
    const outcome = await runClient(`
      await client.request(${JSON.stringify(nobodyAnswers())}, {}).catch(() => undefined);
      await client.close();
      const after = await client.request(${JSON.stringify(nobodyAnswers())}, {}).catch((e) => e.problem);
      say(after.status + ' ' + after.detail);
    `);
    assert.equal(
      outcome.exit,
      0,
      `the process did not exit by itself: ${outcome.lines.join(' | ')}`,
    );
    assert.deepEqual(outcome.lines, ['503 The service is shutting down.']);
  });

  it('should close without connecting when it was never asked anything', async () => {
    const outcome = await runClient(`await client.close(); say('closed');`, 5_000);
    assert.equal(outcome.exit, 0);
    assert.deepEqual(outcome.lines, ['closed']);
  });
});
