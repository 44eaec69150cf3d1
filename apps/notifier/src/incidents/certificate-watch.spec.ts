import { type AlertPolicy, type CheckResult, DEFAULT_ALERT_POLICY } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkResultFixture } from '../../../../test/support/factories';
import { certificateIncidentId } from './certificate-watch';
import { type Decision, IncidentTracker, emptyAlertState } from './incident-tracker';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const DAY = 86_400_000;

function result(slot: number, expiresInDays: number | null, outcome: 'up' | 'down' = 'up') {
  const scheduledAt = new Date(T0 + slot * 60_000).toISOString();
  return checkResultFixture({
    id: `00000000-0000-4000-8000-${String(slot).padStart(12, '0')}`,
    scheduledAt,
    outcome,
    ...(outcome === 'down' ? { errorKind: 'http_status' as const, httpStatus: 503 } : {}),
    certificateExpiresAt:
      expiresInDays === null
        ? null
        : new Date(Date.parse(scheduledAt) + expiresInDays * DAY).toISOString(),
  });
}

function replay(results: CheckResult[], policy: AlertPolicy = DEFAULT_ALERT_POLICY) {
  let state = emptyAlertState();
  const decisions: Decision[] = [];
  for (const r of results) {
    const out = IncidentTracker.apply(state, r, policy, new Date(r.scheduledAt));
    state = out.state;
    decisions.push(...out.decisions);
  }
  return { state, types: decisions.map((d) => d.type), decisions };
}

describe('certificate incidents', () => {
  it('should open one certificate incident for a certificate expiring within the window, however often it is seen', () => {
    const { types, decisions, state } = replay([result(0, 10), result(1, 9), result(2, 8)]);
    assert.deepEqual(types, ['certificateOpen']);
    const [open] = decisions;
    assert.equal(
      open.type === 'certificateOpen' && open.cause.certificateExpiresAt,
      result(0, 10).certificateExpiresAt,
    );
    assert.equal(state.certificate?.id, certificateIncidentId(result(0, 10).id));
  });

  it('should open for an already expired certificate and not for one beyond the window', () => {
    assert.deepEqual(replay([result(0, -1)]).types, ['certificateOpen']);
    assert.deepEqual(replay([result(0, 15)]).types, []);
    assert.deepEqual(
      replay([result(0, 15)], { ...DEFAULT_ALERT_POLICY, certificateExpiryDays: 30 }).types,
      ['certificateOpen'],
    );
  });

  it('should resolve once when a later check sees a renewed certificate', () => {
    const { types, state } = replay([result(0, 5), result(1, null), result(2, 90), result(3, 90)]);
    assert.deepEqual(types, ['certificateOpen', 'certificateResolve']);
    assert.equal(state.certificate, null);
  });

  it('should not let a late result with the renewed certificate resolve before the incident began', () => {
    assert.deepEqual(replay([result(5, 5), result(1, 90)]).types, ['certificateOpen']);
  });

  it('should leave the availability incident to its own rules', () => {
    const { types } = replay([result(0, 5, 'down'), result(1, 5), result(2, 90)]);
    assert.deepEqual(types, ['certificateOpen', 'open', 'resolve', 'certificateResolve']);
  });

  it('should decide nothing for a redelivered result', () => {
    const first = result(0, 5);
    assert.deepEqual(replay([first, first]).types, ['certificateOpen']);
  });

  it('should read a policy stored without certificateExpiryDays as 14 days', () => {
    const { certificateExpiryDays: _omitted, ...stored } = DEFAULT_ALERT_POLICY;
    const old = stored as AlertPolicy;
    assert.deepEqual(replay([result(0, 13)], old).types, ['certificateOpen']);
    assert.deepEqual(replay([result(0, 15)], old).types, []);
  });

  it('should give the certificate incident an id apart from its check id, the same every time', () => {
    const id = result(0, 5).id;
    assert.notEqual(certificateIncidentId(id), id);
    assert.equal(certificateIncidentId(id), certificateIncidentId(id));
    assert.match(
      certificateIncidentId(id),
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
