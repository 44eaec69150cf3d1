import { type AlertPolicy, type CheckResult, DEFAULT_ALERT_POLICY } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkResultFixture } from '../../../../test/support/factories';
import { causeSummary, emptyAlertState, type MonitorAlertState } from './alert-state';
import { QuietMonitors } from './quiet-monitors';
import { SINGLE_REGION } from './slot-grouping';

const MONITOR_ID = randomUUID();
const NOW = new Date('2026-03-01T12:00:00.000Z');
const POLICY: AlertPolicy = { ...DEFAULT_ALERT_POLICY, windowSize: 3, successesToResolve: 2 };

function result(minute: number, overrides: Partial<CheckResult> = {}): CheckResult {
  const scheduledAt = new Date(NOW.getTime() + minute * 60_000).toISOString();
  return checkResultFixture({ monitorId: MONITOR_ID, scheduledAt, ...overrides });
}

function seenAt(revision: string, state: MonitorAlertState = emptyAlertState()): QuietMonitors {
  const monitors = new QuietMonitors();
  monitors.seen({
    monitorId: MONITOR_ID,
    revision,
    state,
    policy: POLICY,
    plan: SINGLE_REGION,
    paused: false,
  });
  return monitors;
}

describe('QuietMonitors', () => {
  it('should take in successes only while the row is at the version seen', () => {
    const monitors = seenAt('100');
    assert.equal(monitors.absorb(result(1), '100', NOW), true);
    assert.equal(monitors.absorb(result(2), '101', NOW), false, 'written since: not trusted');
    assert.equal(monitors.absorb(result(3), undefined, NOW), false, 'no row');
    assert.equal(new QuietMonitors().absorb(result(4), '100', NOW), false, 'never seen');
  });

  it('should send to the row any result that could change an alert', () => {
    const monitors = seenAt('100');
    assert.equal(monitors.absorb(result(1, { outcome: 'down' }), '100', NOW), false);
    assert.equal(monitors.absorb(result(2, { inMaintenance: true }), '100', NOW), false);
    const expiring = new Date(NOW.getTime() + 86_400_000).toISOString();
    assert.equal(monitors.absorb(result(3, { certificateExpiresAt: expiring }), '100', NOW), false);
  });

  it('should keep no monitor quiet whose stored window holds a failure', () => {
    const state = { ...emptyAlertState(), window: [causeSummary(result(0, { outcome: 'down' }))] };
    assert.equal(seenAt('100', state).absorb(result(1), '100', NOW), false);
  });

  it('should replay at most the retained window, and nothing once the row changed', () => {
    const monitors = seenAt('100');
    const taken = [1, 2, 3, 4, 5].map((m) => result(m));
    for (const r of taken) assert.equal(monitors.absorb(r, '100', NOW), true);
    assert.deepEqual(monitors.absorbedSince(MONITOR_ID, '100'), taken.slice(-3));
    assert.deepEqual(monitors.absorbedSince(MONITOR_ID, '101'), []);
  });
});
