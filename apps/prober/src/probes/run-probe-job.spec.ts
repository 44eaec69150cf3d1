import { type Monitor, monitorSpecFromCreate, probeJobFor } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStale } from './run-probe-job';

const monitor: Monitor = {
  ...monitorSpecFromCreate({
    name: 'stale',
    url: 'https://example.test/',
    intervalSeconds: 60,
    timeoutMs: 5000,
  }),
  id: '00000000-0000-4000-8000-000000000002',
  ownerId: '00000000-0000-4000-8000-000000000001',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  status: 'pending',
  lastCheckedAt: null,
  version: 1,
};

const jobAt = (scheduledAt: number, onDemand: boolean) =>
  probeJobFor(monitor, {
    checkId: '00000000-0000-4000-8000-000000000003',
    region: 'local',
    scheduledAt: new Date(scheduledAt),
    onDemand,
  });

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
