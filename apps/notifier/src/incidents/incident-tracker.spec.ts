import {
  type AlertPolicy,
  type CheckOutcome,
  type CheckResult,
  DEFAULT_ALERT_POLICY,
} from '@uptime/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkResultFixture } from '../../../../test/support/factories';
import {
  APPLIED_IDS_KEPT,
  type Decision,
  IncidentTracker,
  type MonitorAlertState,
  causeSummary,
  emptyAlertState,
} from './incident-tracker';

const MONITOR_ID = '6f1c1d52-3a4b-4c6d-8e9f-0a1b2c3d4e5f';
const OWNER_ID = '0b9e7f2a-1c3d-4e5f-8a9b-c0d1e2f3a4b5';
const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const SECOND = 1_000;

/** Results are one minute apart: slot n is scheduled n minutes after T0. */
function at(slot: number): string {
  return new Date(T0 + slot * MINUTE).toISOString();
}

function idOf(slot: number): string {
  return `00000000-0000-4000-8000-${String(slot).padStart(12, '0')}`;
}

/** The result of slot n for the spec's monitor, with the usual values of its outcome. */
function result(
  slot: number,
  outcome: CheckOutcome,
  overrides: Partial<CheckResult> = {},
): CheckResult {
  return checkResultFixture({
    id: idOf(slot),
    monitorId: MONITOR_ID,
    ownerId: OWNER_ID,
    scheduledAt: at(slot),
    outcome,
    ...overrides,
  });
}

const LETTERS: Record<string, (slot: number) => CheckResult> = {
  u: (slot) => result(slot, 'up'),
  d: (slot) => result(slot, 'down'),
  g: (slot) => result(slot, 'degraded'),
  p: (slot) => result(slot, 'down', { errorKind: 'prober_error', message: 'prober offline' }),
  // Results of checks during a maintenance window: down, up.
  D: (slot) => result(slot, 'down', { inMaintenance: true }),
  U: (slot) => result(slot, 'up', { inMaintenance: true }),
};

/** `'u d g p'`: up, down, degraded, prober_error, in slots 0, 1, 2, 3. */
function sequence(letters: string): CheckResult[] {
  return letters.split(' ').map((letter, slot) => LETTERS[letter](slot));
}

function policyOf(overrides: Partial<AlertPolicy> = {}): AlertPolicy {
  return { ...DEFAULT_ALERT_POLICY, ...overrides };
}

/** The notifier sees a result a few seconds after its slot. */
function receivedAt(r: CheckResult): Date {
  return new Date(Date.parse(r.scheduledAt) + 5 * SECOND);
}

interface Replay {
  state: MonitorAlertState;
  /** Each decision with the index (in `results`) of the result that caused it. */
  decisions: { index: number; decision: Decision }[];
}

function replay(
  results: CheckResult[],
  policy: AlertPolicy,
  state: MonitorAlertState = emptyAlertState(),
  store: (s: MonitorAlertState) => MonitorAlertState = (s) => s,
): Replay {
  const decisions: Replay['decisions'] = [];
  results.forEach((r, index) => {
    const out = IncidentTracker.apply(state, r, policy, receivedAt(r));
    state = store(out.state);
    decisions.push(...out.decisions.map((decision) => ({ index, decision })));
  });
  return { state, decisions };
}

/** `'5 open down'`, `'10 resolve'`: compact enough to write out a whole expectation in a table. */
function brief({ index, decision }: Replay['decisions'][number]): string {
  return decision.type === 'open' ? `${index} open ${decision.kind}` : `${index} ${decision.type}`;
}

function throughJson(state: MonitorAlertState): MonitorAlertState {
  return JSON.parse(JSON.stringify(state)) as MonitorAlertState;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe(IncidentTracker.name, () => {
  describe('apply', () => {
    it('should open on one down and resolve on the next up under the default policy', () => {
      const [up, down, backUp] = sequence('u d u');
      const { decisions } = replay([up, down, backUp], DEFAULT_ALERT_POLICY);

      assert.deepEqual(
        decisions.map((d) => d.decision),
        [
          {
            type: 'open',
            incidentId: down.id,
            kind: 'down',
            startedAt: down.scheduledAt,
            cause: causeSummary(down),
          },
          {
            type: 'resolve',
            incidentId: down.id,
            resolvedAt: backUp.scheduledAt,
            durationMs: MINUTE,
            escalatedChannelIds: [],
          },
        ],
      );
      assert.deepEqual(causeSummary(down), {
        checkId: down.id,
        scheduledAt: down.scheduledAt,
        region: 'local',
        outcome: 'down',
        errorKind: 'timeout',
        httpStatus: null,
        latencyMs: 120,
        message: 'no response within 10000 ms',
        assertions: [{ type: 'latency', target: 'response', expected: 10000, passed: false }],
      });
      assert.equal('assertions' in causeSummary(up), false, 'a passing check keeps none');
    });

    const cases: {
      name: string;
      policy: Partial<AlertPolicy>;
      letters: string;
      expected: string[];
    }[] = [
      {
        name: 'open at the 4th failure of 5 and resolve at the 3rd up in a row, once, when flapping',
        policy: { failuresToOpen: 4, windowSize: 5, successesToResolve: 3 },
        //       0 1 2 3 4 5 6 7 8 9 10 11 12 13 14
        letters: 'u d u d d d u d u u u d d u d',
        // 5: the window 1..5 holds four downs. 6 and 7 do not resolve (7 is down again);
        // 8, 9, 10 do. Afterwards 11..14 hold only three downs: the resolved ones no longer count.
        expected: ['5 open down', '10 resolve'],
      },
      {
        name: 'not open while fewer than 4 of the last 5 fail',
        policy: { failuresToOpen: 4, windowSize: 5 },
        letters: 'd d d u u d d d u u d d d u u',
        expected: [],
      },
      {
        name: 'resolve at the third up in a row, not the second',
        policy: { successesToResolve: 3 },
        letters: 'd u u u',
        expected: ['0 open down', '3 resolve'],
      },
      {
        name: 'start counting ups again after a down in between',
        policy: { successesToResolve: 3 },
        letters: 'd u u d u u u',
        expected: ['0 open down', '6 resolve'],
      },
      {
        name: 'leave an open incident alone while failures continue',
        policy: {},
        letters: 'd d d d',
        expected: ['0 open down'],
      },
      {
        name: 'never open on prober errors alone',
        policy: {},
        letters: 'p p p',
        expected: [],
      },
      {
        name: 'never resolve on a prober error',
        policy: {},
        letters: 'd p p',
        expected: ['0 open down'],
      },
      {
        name: 'not let a prober error take a place in the window',
        policy: { failuresToOpen: 2, windowSize: 2 },
        letters: 'd p d',
        expected: ['2 open down'],
      },
      {
        name: 'not let a prober error break a run of successes',
        policy: { successesToResolve: 2 },
        letters: 'd u p u',
        expected: ['0 open down', '3 resolve'],
      },
      {
        name: 'never open on degraded results when alertOnDegraded is false',
        policy: { alertOnDegraded: false },
        letters: 'g g g',
        expected: [],
      },
      {
        name: 'count degraded as a success when alertOnDegraded is false',
        policy: { alertOnDegraded: false },
        letters: 'd g',
        expected: ['0 open down', '1 resolve'],
      },
      {
        name: 'open a degraded incident on a degraded result when alertOnDegraded is true',
        policy: { alertOnDegraded: true },
        letters: 'u g u',
        expected: ['1 open degraded', '2 resolve'],
      },
      {
        name: 'open a degraded incident when every failure in the window is degraded',
        policy: { alertOnDegraded: true, failuresToOpen: 2, windowSize: 3 },
        letters: 'g u g',
        expected: ['2 open degraded'],
      },
      {
        name: 'open a down incident when the window mixes degraded and down',
        policy: { alertOnDegraded: true, failuresToOpen: 2, windowSize: 2 },
        letters: 'g d',
        expected: ['1 open down'],
      },
      {
        name: 'not resolve a degraded incident on another degraded result',
        policy: { alertOnDegraded: true },
        letters: 'g g d u',
        expected: ['0 open degraded', '3 resolve'],
      },
    ];

    for (const { name, policy, letters, expected } of cases) {
      it(`should ${name}`, () => {
        const { decisions } = replay(sequence(letters), policyOf(policy));
        assert.deepEqual(decisions.map(brief), expected);
      });
    }

    it('should name the first failure of the window as cause and time the outage from it', () => {
      const results = sequence('u d u d d d u d u u u');
      const policy = policyOf({ failuresToOpen: 4, windowSize: 5, successesToResolve: 3 });
      const { decisions } = replay(results, policy);

      assert.deepEqual(decisions[0].decision, {
        type: 'open',
        incidentId: results[1].id,
        kind: 'down',
        startedAt: at(1),
        cause: causeSummary(results[1]),
      });
      // Up again from slot 8 on (confirmed at 10): down from slot 1 to slot 8.
      assert.deepEqual(decisions[1].decision, {
        type: 'resolve',
        incidentId: results[1].id,
        resolvedAt: at(8),
        durationMs: 7 * MINUTE,
        escalatedChannelIds: [],
      });
    });

    it('should decide nothing and keep an equal state when a result is delivered twice', () => {
      const results = sequence('u d p u');
      let state = emptyAlertState();
      for (const r of results) {
        const first = IncidentTracker.apply(state, r, DEFAULT_ALERT_POLICY, receivedAt(r));
        const again = IncidentTracker.apply(
          first.state,
          r,
          DEFAULT_ALERT_POLICY,
          new Date(receivedAt(r).getTime() + MINUTE),
        );
        assert.deepEqual(again, { state: first.state, decisions: [] });
        state = first.state;
      }
    });

    it('should not reopen a resolved incident when its cause comes back long after', () => {
      const [down, up] = sequence('d u');
      const ups = Array.from({ length: APPLIED_IDS_KEPT + 50 }, (_, i) => result(i + 2, 'up'));
      const { state } = replay([down, up, ...ups], DEFAULT_ALERT_POLICY);
      assert.ok(!state.appliedCheckIds.includes(down.id), 'the id list has forgotten the cause');

      const again = IncidentTracker.apply(state, down, DEFAULT_ALERT_POLICY, new Date());
      assert.deepEqual(again.decisions, []);
      assert.equal(again.state.incident, null);
    });

    it('should keep the newest applied ids, at most APPLIED_IDS_KEPT of them', () => {
      const ups = Array.from({ length: APPLIED_IDS_KEPT + 5 }, (_, i) => result(i, 'up'));
      const { state } = replay(ups, DEFAULT_ALERT_POLICY);
      assert.equal(state.appliedCheckIds.length, APPLIED_IDS_KEPT);
      assert.equal(state.appliedCheckIds.at(-1), ups.at(-1)?.id);
      assert.equal(state.appliedCheckIds[0], ups[5].id);
    });

    it('should record a prober error as applied and as the newest check, and nothing else', () => {
      const [up, proberError] = sequence('u p');
      const { state } = replay([up], DEFAULT_ALERT_POLICY);
      const out = IncidentTracker.apply(state, proberError, DEFAULT_ALERT_POLICY, new Date());

      assert.deepEqual(out.state, {
        ...state,
        appliedCheckIds: [up.id, proberError.id],
        lastScheduledAt: proberError.scheduledAt,
      });
    });

    it('should leave the given state untouched and answer the same input the same way', () => {
      const policy = policyOf({ failuresToOpen: 2, windowSize: 3 });
      const { state } = replay(sequence('u d'), policy);
      const frozen = deepFreeze(throughJson(state));
      const next = result(2, 'down');

      const first = IncidentTracker.apply(frozen, next, policy, receivedAt(next));
      const second = IncidentTracker.apply(frozen, next, policy, receivedAt(next));
      assert.deepEqual(first, second);
      assert.deepEqual(frozen, state);
      assert.equal(first.decisions.length, 1);
    });

    describe('late results', () => {
      it('should open when a late failure completes the rule, naming the earliest failure', () => {
        const policy = policyOf({ failuresToOpen: 2, windowSize: 3 });
        const { state } = replay([result(0, 'up'), result(2, 'down')], policy);
        const late = result(1, 'down');

        const out = IncidentTracker.apply(state, late, policy, new Date(T0 + 3 * MINUTE));
        assert.deepEqual(out.decisions, [
          {
            type: 'open',
            incidentId: late.id,
            kind: 'down',
            startedAt: at(1),
            cause: causeSummary(late),
          },
        ]);
        assert.deepEqual(
          out.state.window.map((c) => c.scheduledAt),
          [at(0), at(1), at(2)],
        );
        assert.equal(out.state.lastScheduledAt, at(2));
      });

      it('should change nothing but the applied ids when a late result is older than the window', () => {
        const { state } = replay([result(5, 'up')], DEFAULT_ALERT_POLICY);
        const late = result(4, 'down');

        const out = IncidentTracker.apply(state, late, DEFAULT_ALERT_POLICY, new Date());
        assert.deepEqual(out.decisions, []);
        assert.deepEqual(out.state, {
          ...state,
          appliedCheckIds: [idOf(5), late.id],
        });
      });

      it('should resolve when a late success completes the run, from the time it was up', () => {
        const policy = policyOf({ successesToResolve: 2 });
        const { state } = replay([result(0, 'down'), result(2, 'up')], policy);

        const out = IncidentTracker.apply(state, result(1, 'up'), policy, new Date());
        assert.deepEqual(out.decisions, [
          {
            type: 'resolve',
            incidentId: idOf(0),
            resolvedAt: at(1),
            durationMs: MINUTE,
            escalatedChannelIds: [],
          },
        ]);
      });

      it('should not resolve when a late success lands before a newer failure', () => {
        const policy = policyOf({ successesToResolve: 2 });
        const { state } = replay([result(0, 'down'), result(2, 'down'), result(3, 'up')], policy);

        const out = IncidentTracker.apply(state, result(1, 'up'), policy, new Date());
        assert.deepEqual(out.decisions, []);
        assert.equal(out.state.incident?.id, idOf(0));
      });

      it('should not count a late failure from before the last resolution', () => {
        const { state } = replay([result(1, 'down'), result(2, 'up')], DEFAULT_ALERT_POLICY);

        const late = IncidentTracker.apply(
          state,
          result(0, 'down'),
          DEFAULT_ALERT_POLICY,
          new Date(),
        );
        assert.deepEqual(late.decisions, []);
        assert.deepEqual(late.state.window, []);

        const fresh = IncidentTracker.apply(
          late.state,
          result(3, 'down'),
          DEFAULT_ALERT_POLICY,
          new Date(),
        );
        assert.deepEqual(
          fresh.decisions.map((d) => d.type === 'open' && d.incidentId),
          [idOf(3)],
        );
      });

      it('should order results of the same slot the same way whatever their arrival order', () => {
        const policy = policyOf({ failuresToOpen: 2, windowSize: 3 });
        const a = result(1, 'up', { id: '00000000-0000-4000-8000-00000000000a', region: 'eu' });
        const b = result(1, 'down', { id: '00000000-0000-4000-8000-00000000000b', region: 'us' });
        const one = replay([a, b], policy).state.window;
        const other = replay([b, a], policy).state.window;
        assert.deepEqual(one, other);
      });
    });

    describe('policy changes', () => {
      it('should trim the window to a smaller policy from the next result on', () => {
        const wide = policyOf({ failuresToOpen: 4, windowSize: 5 });
        const { state } = replay(sequence('d d d'), wide);
        assert.equal(state.window.length, 3);

        const narrow = DEFAULT_ALERT_POLICY;
        const up = IncidentTracker.apply(state, result(3, 'up'), narrow, new Date());
        assert.deepEqual(up.decisions, []);
        assert.deepEqual(up.state.window, [causeSummary(result(3, 'up'))]);

        const down = IncidentTracker.apply(up.state, result(4, 'down'), narrow, new Date());
        assert.deepEqual(
          down.decisions.map((d) => d.type === 'open' && d.incidentId),
          [idOf(4)],
        );
      });

      it('should ask for more successes once successesToResolve grows while open', () => {
        const { state } = replay([result(0, 'down')], DEFAULT_ALERT_POLICY);
        const stricter = policyOf({ successesToResolve: 3 });
        const { decisions } = replay(
          [1, 2, 3].map((slot) => result(slot, 'up')),
          stricter,
          state,
        );
        assert.deepEqual(decisions.map(brief), ['2 resolve']);
      });

      it('should resolve a degraded incident once alertOnDegraded is turned off', () => {
        const { state } = replay(sequence('g'), policyOf({ alertOnDegraded: true }));
        assert.equal(state.incident?.kind, 'degraded');
        const out = IncidentTracker.apply(
          state,
          result(1, 'degraded'),
          DEFAULT_ALERT_POLICY,
          new Date(),
        );
        assert.deepEqual(
          out.decisions.map((d) => d.type),
          ['resolve'],
        );
      });
    });
  });

  describe('remind', () => {
    const policy = policyOf({ renotifyMinutes: 30 });
    const opened = replay([result(0, 'down')], policy).state;
    const openedAt = receivedAt(result(0, 'down')).getTime();

    it('should remind only once every renotifyMinutes while an incident is open', () => {
      let state = opened;
      const answers: string[] = [];
      for (const minutes of [10, 29, 30, 31, 59, 60, 61, 90]) {
        const out = IncidentTracker.remind(state, policy, new Date(openedAt + minutes * MINUTE));
        state = out.state;
        answers.push(`${minutes} ${out.decisions.map((d) => d.type).join(',') || '-'}`);
      }
      assert.deepEqual(answers, [
        '10 -',
        '29 -',
        '30 remind',
        '31 -',
        '59 -',
        '60 remind',
        '61 -',
        '90 remind',
      ]);
    });

    it('should name the incident and remember when it reminded', () => {
      const now = new Date(openedAt + 45 * MINUTE);
      const out = IncidentTracker.remind(opened, policy, now);
      assert.deepEqual(out.decisions, [{ type: 'remind', incidentId: idOf(0), kind: 'down' }]);
      assert.equal(out.state.incident?.lastNotifiedAt, now.toISOString());
      assert.equal(opened.incident?.lastNotifiedAt, new Date(openedAt).toISOString());
    });

    const never: { name: string; state: MonitorAlertState; policy: AlertPolicy }[] = [
      { name: 'renotifyMinutes is off', state: opened, policy: DEFAULT_ALERT_POLICY },
      { name: 'no incident was ever open', state: emptyAlertState(), policy },
      { name: 'the incident is resolved', state: replay(sequence('d u'), policy).state, policy },
    ];
    for (const { name, state, policy: p } of never) {
      it(`should never remind when ${name}`, () => {
        const out = IncidentTracker.remind(state, p, new Date(openedAt + 7 * 24 * 60 * MINUTE));
        assert.deepEqual(out, { state, decisions: [] });
      });
    }
  });

  describe('maintenance windows', () => {
    const policy = policyOf({ failuresToOpen: 2, windowSize: 3, renotifyMinutes: 30 });

    it('should open nothing while failures run in maintenance, and judge only what follows it', () => {
      const { decisions } = replay(sequence('u D D D D d d'), policy);
      assert.deepEqual(decisions.map(brief), ['6 open down']);
    });

    it('should not count a failure before the window together with one in it', () => {
      const { decisions, state } = replay(sequence('d D D u'), policy);
      assert.deepEqual(decisions.map(brief), []);
      assert.equal(state.incident, null);
    });

    it('should resolve an incident open before the window when its checks recover in it', () => {
      const { decisions } = replay(sequence('d d D U'), policy);
      assert.deepEqual(decisions.map(brief), ['1 open down', '3 resolve']);
    });

    it('should open no certificate incident in maintenance', () => {
      const expiring = result(0, 'up', {
        inMaintenance: true,
        certificateExpiresAt: new Date(T0 + 2 * 24 * 60 * MINUTE).toISOString(),
      });
      const { decisions } = replay([expiring], policy);
      assert.deepEqual(decisions, []);
    });

    it('should not remind an open incident while the newest result is in maintenance, and remind again after', () => {
      const opened = replay(sequence('d d'), policy).state;
      const openedAt = receivedAt(result(1, 'down')).getTime();
      const inWindow = IncidentTracker.apply(
        opened,
        result(2, 'down', { inMaintenance: true }),
        policy,
        new Date(openedAt),
      ).state;
      const muted = IncidentTracker.remind(inWindow, policy, new Date(openedAt + 45 * MINUTE));
      assert.deepEqual(muted.decisions, []);
      // A late result from before the window does not end the silence.
      const late = IncidentTracker.apply(
        inWindow,
        result(-5, 'down'),
        policy,
        new Date(openedAt),
      ).state;
      assert.equal(late.inMaintenance, true);
      const after = IncidentTracker.apply(
        inWindow,
        result(3, 'down'),
        policy,
        new Date(openedAt),
      ).state;
      const reminded = IncidentTracker.remind(after, policy, new Date(openedAt + 45 * MINUTE));
      assert.deepEqual(
        reminded.decisions.map((d) => d.type),
        ['remind'],
      );
    });
  });

  describe('stored state', () => {
    const policy = policyOf({
      failuresToOpen: 4,
      windowSize: 5,
      successesToResolve: 3,
      alertOnDegraded: true,
    });
    const results = sequence('u d u g d p d u d u u u d g d d u u u');

    it('should decide the same when the state goes through JSON between every result', () => {
      const direct = replay(results, policy);
      const stored = replay(results, policy, emptyAlertState(), throughJson);

      assert.deepEqual(stored.decisions, direct.decisions);
      assert.deepEqual(stored.state, direct.state);
      assert.deepEqual(direct.decisions.map(brief), [
        '6 open down',
        '11 resolve',
        '15 open down',
        '18 resolve',
      ]);
    });

    it('should decide nothing twice when results are redelivered after a restart mid-incident', () => {
      // Saved after slot 8, with the incident open; slots 4..8 were never acked, so come again.
      const before = replay(results.slice(0, 9), policy);
      const restarted = replay(results.slice(4), policy, throughJson(before.state));

      const offset = (r: Replay) => r.decisions.map((d) => brief({ ...d, index: d.index + 4 }));
      assert.deepEqual(before.decisions.map(brief), ['6 open down']);
      assert.deepEqual(offset(restarted), ['11 resolve', '15 open down', '18 resolve']);
      assert.deepEqual(restarted.state, replay(results, policy).state);

      const everythingAgain = replay(results, policy, throughJson(restarted.state));
      assert.deepEqual(everythingAgain.decisions, []);
      assert.deepEqual(everythingAgain.state, restarted.state);
    });
  });
});
