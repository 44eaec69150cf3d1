import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DISPATCH_TICK_MS, MAX_SLEEP_MS, nextPassDelay } from './job-dispatcher';

describe('nextPassDelay', () => {
  const now = 1_000_000;

  it('should wait for the next slot when it is further than a tick after the last pass', () => {
    assert.equal(nextPassDelay(now + 300, now - 100, now), 300);
  });

  it('should keep passes a tick apart when slots come every millisecond', () => {
    assert.equal(nextPassDelay(now + 1, now, now), DISPATCH_TICK_MS);
    assert.equal(nextPassDelay(now + 1, now - 5, now), DISPATCH_TICK_MS - 5);
  });

  it('should pass at once for an overdue slot a tick after the last pass', () => {
    assert.equal(nextPassDelay(now - 50, now - DISPATCH_TICK_MS - 1, now), 0);
    assert.equal(nextPassDelay(now - 50, 0, now), 0);
  });

  it('should wake within MAX_SLEEP_MS, also with nothing scheduled', () => {
    assert.equal(nextPassDelay(undefined, now, now), MAX_SLEEP_MS);
    assert.equal(nextPassDelay(now + 60_000, now, now), MAX_SLEEP_MS);
  });
});
