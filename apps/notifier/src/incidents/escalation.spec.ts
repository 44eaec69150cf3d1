import { type AlertPolicy, DEFAULT_ALERT_POLICY } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkResultFixture } from '../../../../test/support/factories';
import type { MonitorAlertState } from './alert-state';
import { IncidentTracker, emptyAlertState } from './incident-tracker';

const MONITOR_ID = '6f1c1d52-3a4b-4c6d-8e9f-0a1b2c3d4e5f';
const OWNER_ID = '0b9e7f2a-1c3d-4e5f-8a9b-c0d1e2f3a4b5';
const OPENED = Date.parse('2026-03-01T12:00:05.000Z');
const MINUTE = 60_000;
const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const C = 'cccccccc-0000-4000-8000-000000000003';

function policyOf(escalation: AlertPolicy['escalation']): AlertPolicy {
  return { ...DEFAULT_ALERT_POLICY, escalation };
}

/** `minutes` after the incident opened. */
function after(minutes: number): Date {
  return new Date(OPENED + minutes * MINUTE);
}

function result(id: string, outcome: 'up' | 'down', minutes: number) {
  return checkResultFixture({
    id,
    monitorId: MONITOR_ID,
    ownerId: OWNER_ID,
    scheduledAt: new Date(OPENED - 5_000 + minutes * MINUTE).toISOString(),
    outcome,
  });
}

const DOWN_ID = '00000000-0000-4000-8000-000000000001';

/** The state just after one failure opened an incident under `policy`. */
function opened(policy: AlertPolicy): MonitorAlertState {
  const out = IncidentTracker.apply(
    emptyAlertState(),
    result(DOWN_ID, 'down', 0),
    policy,
    after(0),
  );
  assert.equal(out.decisions[0]?.type, 'open');
  return out.state;
}

/** Ticks at each minute (state carried through JSON, as it is stored); what fired at each. */
function tickAt(
  state: MonitorAlertState,
  policy: AlertPolicy,
  minutes: number[],
): { state: MonitorAlertState; fired: string[] } {
  const fired: string[] = [];
  for (const m of minutes) {
    const out = IncidentTracker.escalate(state, policy, after(m));
    state = JSON.parse(JSON.stringify(out.state)) as MonitorAlertState;
    const steps = out.decisions.map((d) => (d.type === 'escalate' ? d.step : '?'));
    fired.push(`${m} ${steps.join(',') || '-'}`);
  }
  return { state, fired };
}

describe('IncidentTracker.escalate', () => {
  const twoSteps = policyOf([
    { afterMinutes: 10, channelIds: [B] },
    { afterMinutes: 30, channelIds: [C, B] },
  ]);

  it('should fire each step once at its time, not before and not again', () => {
    const { fired } = tickAt(opened(twoSteps), twoSteps, [0, 9, 10, 10, 11, 29, 30, 31, 600]);
    assert.deepEqual(fired, [
      '0 -',
      '9 -',
      '10 1',
      '10 -',
      '11 -',
      '29 -',
      '30 2',
      '31 -',
      '600 -',
    ]);
  });

  it('should name the incident, its kind, the step and its channels, and remember them', () => {
    const out = IncidentTracker.escalate(opened(twoSteps), twoSteps, after(10));
    assert.deepEqual(out.decisions, [
      {
        type: 'escalate',
        incidentId: DOWN_ID,
        kind: 'down',
        step: 1,
        afterMinutes: 10,
        channelIds: [B],
      },
    ]);
    assert.deepEqual(out.state.incident?.escalations, [
      { step: 1, at: after(10).toISOString(), channelIds: [B] },
    ]);
  });

  it('should fire every step that came due while nobody ticked, in order, each once', () => {
    const { fired } = tickAt(opened(twoSteps), twoSteps, [45, 46]);
    assert.deepEqual(fired, ['45 1,2', '46 -']);
  });

  it('should tell every channel told of the resolution, each once', () => {
    const { state } = tickAt(opened(twoSteps), twoSteps, [10, 30]);
    const out = IncidentTracker.apply(
      state,
      result('00000000-0000-4000-8000-000000000002', 'up', 31),
      twoSteps,
      after(31),
    );
    const resolve = out.decisions.find((d) => d.type === 'resolve');
    assert.deepEqual(resolve && 'escalatedChannelIds' in resolve && resolve.escalatedChannelIds, [
      B,
      C,
    ]);
  });

  it('should tell nobody extra of a resolution before any step fired', () => {
    const out = IncidentTracker.apply(
      opened(twoSteps),
      result('00000000-0000-4000-8000-000000000002', 'up', 5),
      twoSteps,
      after(5),
    );
    const resolve = out.decisions.find((d) => d.type === 'resolve');
    assert.deepEqual(
      resolve && 'escalatedChannelIds' in resolve && resolve.escalatedChannelIds,
      [],
    );
  });

  it('should never fire a step once the incident is resolved, nor for the next incident early', () => {
    const resolved = IncidentTracker.apply(
      opened(twoSteps),
      result('00000000-0000-4000-8000-000000000002', 'up', 5),
      twoSteps,
      after(5),
    ).state;
    assert.deepEqual(tickAt(resolved, twoSteps, [10, 30, 600]).fired, ['10 -', '30 -', '600 -']);
    // The next incident counts from its own opening, with none of the old steps fired.
    const reopened = IncidentTracker.apply(
      resolved,
      result('00000000-0000-4000-8000-000000000003', 'down', 60),
      twoSteps,
      after(60),
    ).state;
    assert.deepEqual(tickAt(reopened, twoSteps, [61, 69, 70]).fired, ['61 -', '69 -', '70 1']);
  });

  it('should apply a policy changed mid-incident to the steps not yet fired', () => {
    const first = tickAt(opened(twoSteps), twoSteps, [10]);
    // The first step's channels change after it fired: it does not fire again. The second is
    // brought forward to a time already past: it fires at the next tick. A third is added.
    const changed = policyOf([
      { afterMinutes: 5, channelIds: [A] },
      { afterMinutes: 12, channelIds: [C] },
      { afterMinutes: 60, channelIds: [A] },
    ]);
    const next = tickAt(first.state, changed, [15, 16, 59, 60]);
    assert.deepEqual(next.fired, ['15 2', '16 -', '59 -', '60 3']);
    assert.deepEqual(
      next.state.incident?.escalations?.map((e) => `${e.step}:${e.channelIds.join('+')}`),
      [`1:${B}`, `2:${C}`, `3:${A}`],
    );
    // Removing every step stops escalation; what was told stays told.
    const none = tickAt(next.state, policyOf([]), [600]);
    assert.deepEqual(none.fired, ['600 -']);
    assert.equal(none.state.incident?.escalations?.length, 3);
  });

  it('should count from startedAt for an incident stored before escalation existed', () => {
    const state = opened(twoSteps);
    const legacy: MonitorAlertState = JSON.parse(JSON.stringify(state)) as MonitorAlertState;
    delete legacy.incident!.openedAt;
    delete legacy.incident!.escalations;
    // startedAt is the cause's schedule, 5 s before it was opened.
    const out = IncidentTracker.escalate(legacy, twoSteps, new Date(OPENED - 5_000 + 10 * MINUTE));
    assert.deepEqual(
      out.decisions.map((d) => d.type),
      ['escalate'],
    );
  });

  it('should do nothing without steps or without an open incident', () => {
    const plain = policyOf([]);
    const state = opened(plain);
    assert.deepEqual(IncidentTracker.escalate(state, plain, after(10_000)), {
      state,
      decisions: [],
    });
    const empty = emptyAlertState();
    assert.deepEqual(IncidentTracker.escalate(empty, twoSteps, after(10_000)), {
      state: empty,
      decisions: [],
    });
    // A policy stored before escalation existed has no field at all.
    const { escalation: _none, ...legacyPolicy } = twoSteps;
    const legacy = IncidentTracker.escalate(state, legacyPolicy as AlertPolicy, after(10_000));
    assert.deepEqual(legacy.decisions, []);
  });
});
