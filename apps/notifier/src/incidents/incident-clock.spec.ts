import { Logger } from '@nestjs/common';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { IncidentClock } from './incident-clock';

/** A logger that keeps its warnings instead of printing them. */
class KeptWarnings extends Logger {
  readonly warnings: string[] = [];
  override warn(message: string): void {
    this.warnings.push(message);
  }
}

describe('IncidentClock', () => {
  it('should never run two passes at once, skipping ticks while one is under way', async () => {
    let running = 0;
    let overlapped = false;
    let passes = 0;
    const clock = new IncidentClock(
      'test',
      5,
      async () => {
        running++;
        overlapped ||= running > 1;
        passes++;
        await sleep(40);
        running--;
      },
      new KeptWarnings(),
    );
    clock.start();
    await sleep(130);
    await clock.stop();
    assert.equal(overlapped, false);
    assert.ok(passes >= 2 && passes <= 4, `${passes} passes of 40 ms in 130 ms`);
    assert.equal(running, 0, 'stop waited for the pass under way');
  });

  it('should log a failed pass and try again at the next tick', async () => {
    const logger = new KeptWarnings();
    let calls = 0;
    const clock = new IncidentClock(
      'test',
      5,
      () => (++calls === 1 ? Promise.reject(new Error('database away')) : Promise.resolve()),
      logger,
    );
    clock.start({ now: true });
    assert.equal(calls, 1, 'the first pass ran at once');
    await sleep(40);
    await clock.stop();
    assert.ok(calls >= 2);
    assert.deepEqual(logger.warnings, ['test pass failed: Error: database away']);
    const stopped = calls;
    await sleep(20);
    assert.equal(calls, stopped, 'no pass after stop');
  });
});
