import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { monitorFixture, probeJobFixture } from '../../../../test/support/factories';
import { isStale } from './run-probe-job';

const monitor = monitorFixture({ intervalSeconds: 60, timeoutMs: 5000 });

const jobAt = (scheduledAt: number, onDemand: boolean) =>
  probeJobFixture(monitor, { scheduledAt: new Date(scheduledAt), onDemand });

describe('isStale', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');

  it('should keep a scheduled job within its interval and drop it after', () => {
    assert.equal(isStale(jobAt(t0, false), t0 + 60_000), false);
    assert.equal(isStale(jobAt(t0, false), t0 + 60_001), true);
  });

  it('should drop an on-demand job once its caller stopped waiting (timeout + 2 s)', () => {
    assert.equal(isStale(jobAt(t0, true), t0 + 7_000), false);
    assert.equal(isStale(jobAt(t0, true), t0 + 7_001), true);
    // Before: on-demand jobs were never stale, so one queued for a missing prober ran hours later.
    assert.equal(isStale(jobAt(t0, true), t0 + 3_600_000), true);
  });
});
