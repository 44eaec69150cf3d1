import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_MISSED_LISTED } from '../schedule/schedule';
import { nextSlot } from '../schedule/slots';
import { slotsBetween } from './partition-lease';

const MONITOR = '0b7f3a52-6c1e-4f0a-9d3e-2a4b5c6d7e8f';
const INTERVAL = 10_000;

describe('slotsBetween (the slots a new owner records as missed instead of publishing late)', () => {
  it('should take the slots after `from` up to and including `to`, so none is both published late and recorded', () => {
    const first = nextSlot(MONITOR, INTERVAL, 1_000_000);
    const { count, newest } = slotsBetween(MONITOR, INTERVAL, first - 1, first + 3 * INTERVAL);
    assert.equal(count, 4);
    assert.deepEqual(newest, [first, first + INTERVAL, first + 2 * INTERVAL, first + 3 * INTERVAL]);
    // The late publication starts at the first slot after `to`.
    assert.equal(nextSlot(MONITOR, INTERVAL, first + 3 * INTERVAL), first + 4 * INTERVAL);
    assert.deepEqual(slotsBetween(MONITOR, INTERVAL, first, first), { count: 0, newest: [] });
  });

  it('should list only the newest slots of a very long outage and count the rest', () => {
    const from = 1_000_000;
    const { count, newest } = slotsBetween(MONITOR, INTERVAL, from, from + 3_600_000);
    assert.equal(count, 360);
    assert.equal(newest.length, MAX_MISSED_LISTED);
    assert.equal(newest.at(-1), nextSlot(MONITOR, INTERVAL, from + 3_600_000) - INTERVAL);
  });
});
