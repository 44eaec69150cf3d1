import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type HeartbeatClock, dueMisses, MAX_CATCH_UP_PERIODS, missedCheckId } from './deadlines';

const settings = { periodSeconds: 10, graceSeconds: 2 };
const clock = (over: Partial<HeartbeatClock> = {}): HeartbeatClock => ({
  settings,
  lastPingAt: null,
  changedAt: 1_000_000,
  missed: null,
  ...over,
});

describe('dueMisses', () => {
  it('should report nothing before base + period + grace, and the first period at it', () => {
    assert.deepEqual(dueMisses(clock(), 1_011_999).periods, []);
    assert.equal(dueMisses(clock(), 1_011_999).nextDeadline, 1_012_000);
    const due = dueMisses(clock(), 1_012_000);
    assert.deepEqual(due.periods, [1]);
    assert.equal(due.reported, 1);
    assert.equal(due.nextDeadline, 1_022_000);
  });

  it('should count from the last ping when it is later than the last change', () => {
    const due = dueMisses(clock({ lastPingAt: 1_005_000 }), 1_016_999);
    assert.equal(due.base, 1_005_000);
    assert.deepEqual(due.periods, []);
    assert.deepEqual(dueMisses(clock({ lastPingAt: 1_005_000 }), 1_017_000).periods, [1]);
  });

  it('should count from a change (resume, edit) later than the last ping', () => {
    assert.equal(dueMisses(clock({ lastPingAt: 900_000 }), 1_000_500).base, 1_000_000);
  });

  it('should skip periods already reported from the same base, once each', () => {
    const missed = { base: 1_000_000, reported: 2 };
    assert.deepEqual(dueMisses(clock({ missed }), 1_031_999).periods, []);
    assert.deepEqual(dueMisses(clock({ missed }), 1_042_000).periods, [3, 4]);
  });

  it('should start over after a ping: the old base no longer counts', () => {
    const missed = { base: 1_000_000, reported: 3 };
    const due = dueMisses(clock({ missed, lastPingAt: 1_040_000 }), 1_052_000);
    assert.equal(due.base, 1_040_000);
    assert.deepEqual(due.periods, [1]);
  });

  it('should keep counting from a reported base whose ping key expired', () => {
    const missed = { base: 1_050_000, reported: 2 };
    assert.deepEqual(dueMisses(clock({ missed }), 1_082_000).periods, [3]);
  });

  it(`should store at most ${MAX_CATCH_UP_PERIODS} periods after a long outage, the latest`, () => {
    const due = dueMisses(clock(), 1_000_000 + 100 * 10_000 + 2_000);
    assert.deepEqual(due.periods, [96, 97, 98, 99, 100]);
    assert.equal(due.reported, 100);
  });

  it('should give each period one check id, whoever computes it', () => {
    const id = '7f1c3c1e-2f47-4d8e-9a53-0d6b0f7e6a11';
    assert.equal(missedCheckId(id, 1, 1), missedCheckId(id, 1, 1));
    assert.notEqual(missedCheckId(id, 1, 1), missedCheckId(id, 1, 2));
    assert.notEqual(missedCheckId(id, 1, 1), missedCheckId(id, 2, 1));
  });
});
