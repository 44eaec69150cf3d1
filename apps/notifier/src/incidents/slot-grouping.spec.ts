import {
  type AlertPolicy,
  type CheckOutcome,
  type CheckResult,
  DEFAULT_ALERT_POLICY,
} from '@uptime/contracts';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkResultFixture } from '../../../../test/support/factories';
import {
  type Decision,
  type Evaluation,
  IncidentTracker,
  type MonitorAlertState,
  emptyAlertState,
} from './incident-tracker';
import {
  DECIDED_SLOTS_KEPT,
  type RegionPlan,
  SLOT_MARGIN_MS,
  nextSlotDeadline,
  quorumOf,
} from './slot-grouping';

const MONITOR_ID = '6f1c1d52-3a4b-4c6d-8e9f-0a1b2c3d4e5f';
const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const TIMEOUT_MS = 5_000;

function at(slot: number): string {
  return new Date(T0 + slot * MINUTE).toISOString();
}

/** A check id per (region, slot), as the scheduler derives them. */
function idOf(region: string, slot: number): string {
  const hex = createHash('sha1').update(`${region}|${slot}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function answer(
  region: string,
  slot: number,
  outcome: CheckOutcome,
  overrides: Partial<CheckResult> = {},
): CheckResult {
  return checkResultFixture({
    id: idOf(region, slot),
    monitorId: MONITOR_ID,
    region,
    scheduledAt: at(slot),
    outcome,
    errorKind: outcome === 'down' ? 'http_status' : null,
    httpStatus: outcome === 'down' ? 503 : 200,
    ...overrides,
  });
}

function proberError(region: string, slot: number): CheckResult {
  return answer(region, slot, 'down', { errorKind: 'prober_error', httpStatus: null });
}

function planOf(...regions: string[]): RegionPlan {
  return { regions, timeoutMs: TIMEOUT_MS };
}

function policyOf(overrides: Partial<AlertPolicy> = {}): AlertPolicy {
  return { ...DEFAULT_ALERT_POLICY, ...overrides };
}

/** Applies results in order, each a second after its slot; collects every decision. */
function applyAll(
  results: CheckResult[],
  plan: RegionPlan,
  policy = policyOf(),
  state: MonitorAlertState = emptyAlertState(),
): Evaluation {
  const decisions: Decision[] = [];
  for (const r of results) {
    const evaluation = IncidentTracker.apply(
      state,
      r,
      policy,
      new Date(Date.parse(r.scheduledAt) + 1_000),
      plan,
    );
    state = evaluation.state;
    decisions.push(...evaluation.decisions);
  }
  return { state, decisions };
}

function types(decisions: Decision[]): string[] {
  return decisions.map((d) => (d.type === 'open' ? `open:${d.kind}` : d.type));
}

const TWO = planOf('eu', 'us');
const THREE = planOf('ap', 'eu', 'us');

describe('slot grouping', () => {
  describe('quorumOf', () => {
    it('should default to half the regions, rounded up', () => {
      assert.equal(quorumOf(policyOf(), 1), 1);
      assert.equal(quorumOf(policyOf(), 2), 1);
      assert.equal(quorumOf(policyOf(), 3), 2);
      assert.equal(quorumOf(policyOf(), 4), 2);
    });

    it("should take the policy's quorum, read as all regions above their number", () => {
      assert.equal(quorumOf(policyOf({ regionQuorum: 2 }), 3), 2);
      assert.equal(quorumOf(policyOf({ regionQuorum: 5 }), 3), 3);
    });
  });

  describe('when every region has answered', () => {
    it('should decide nothing before the last region answers', () => {
      const { state, decisions } = applyAll([answer('eu', 0, 'down')], TWO);
      assert.deepEqual(decisions, []);
      assert.equal(state.pendingSlots?.length, 1);
      assert.equal(state.window.length, 0);
      assert.equal(
        nextSlotDeadline(state)?.toISOString(),
        new Date(T0 + TIMEOUT_MS + SLOT_MARGIN_MS).toISOString(),
      );
    });

    it('should open down at once when the default quorum (1 of 2) fails', () => {
      const { state, decisions } = applyAll([answer('eu', 0, 'up'), answer('us', 0, 'down')], TWO);
      assert.deepEqual(types(decisions), ['open:down']);
      assert.deepEqual(state.pendingSlots, []);
      assert.equal(state.lastVerdict?.outcome, 'down');
      const [open] = decisions;
      assert.ok(open?.type === 'open');
      assert.equal(open.incidentId, idOf('us', 0), 'the failing region check causes it');
      assert.deepEqual(open.cause.regions, [
        { region: 'eu', outcome: 'up', errorKind: null },
        { region: 'us', outcome: 'down', errorKind: 'http_status' },
      ]);
      assert.equal(open.cause.quorum, 1);
    });

    it('should be partial, with no incident, when 1 of 2 fails under quorum 2', () => {
      const policy = policyOf({ regionQuorum: 2 });
      const { state, decisions } = applyAll(
        [answer('eu', 0, 'up'), answer('us', 0, 'down')],
        TWO,
        policy,
      );
      assert.deepEqual(decisions, []);
      assert.equal(state.lastVerdict?.outcome, 'partial');
      assert.equal(state.incident, null);
    });

    it('should open one partial incident with alertOnPartial', () => {
      const policy = policyOf({ regionQuorum: 2, alertOnPartial: true });
      const { decisions } = applyAll([answer('eu', 0, 'up'), answer('us', 0, 'down')], TWO, policy);
      assert.deepEqual(types(decisions), ['open:partial']);
    });

    it('should open down when both of 2 fail under quorum 2, once for the slot', () => {
      const policy = policyOf({ regionQuorum: 2 });
      const { decisions } = applyAll(
        [answer('us', 0, 'down'), answer('eu', 0, 'down')],
        TWO,
        policy,
      );
      assert.deepEqual(types(decisions), ['open:down']);
    });

    it('should need 2 of 3 by default: one failing is partial, two are down', () => {
      const one = applyAll(
        [answer('ap', 0, 'up'), answer('eu', 0, 'down'), answer('us', 0, 'up')],
        THREE,
      );
      assert.deepEqual(one.decisions, []);
      assert.equal(one.state.lastVerdict?.outcome, 'partial');
      const two = applyAll(
        [answer('ap', 0, 'up'), answer('eu', 0, 'down'), answer('us', 0, 'down')],
        THREE,
      );
      assert.deepEqual(types(two.decisions), ['open:down']);
    });

    it('should take a custom quorum: 3 of 3 keeps two failing regions partial', () => {
      const policy = policyOf({ regionQuorum: 3 });
      const { state, decisions } = applyAll(
        [answer('ap', 0, 'down'), answer('eu', 0, 'down'), answer('us', 0, 'up')],
        THREE,
        policy,
      );
      assert.deepEqual(decisions, []);
      assert.equal(state.lastVerdict?.outcome, 'partial');
    });

    it('should resolve with one up decision when the slots recover', () => {
      const { decisions } = applyAll(
        [
          answer('eu', 0, 'down'),
          answer('us', 0, 'down'),
          answer('eu', 1, 'up'),
          answer('us', 1, 'up'),
        ],
        TWO,
      );
      assert.deepEqual(types(decisions), ['open:down', 'resolve']);
    });
  });

  describe('k-of-n', () => {
    it('should count slots, not region results', () => {
      // 2 of 3 slots: two failing regions in one slot are still one failed slot.
      const policy = policyOf({ failuresToOpen: 2, windowSize: 3, regionQuorum: 2 });
      const first = applyAll([answer('eu', 0, 'down'), answer('us', 0, 'down')], TWO, policy);
      assert.deepEqual(first.decisions, [], 'one failed slot is not two failures');
      const second = applyAll(
        [answer('eu', 1, 'down'), answer('us', 1, 'down')],
        TWO,
        policy,
        first.state,
      );
      assert.deepEqual(types(second.decisions), ['open:down']);
    });
  });

  describe('when the deadline passes', () => {
    it('should decide nothing before the deadline', () => {
      const { state } = applyAll([answer('us', 0, 'down')], TWO);
      const early = IncidentTracker.decideDueSlots(
        state,
        policyOf(),
        new Date(T0 + TIMEOUT_MS + SLOT_MARGIN_MS - 1),
        TWO,
      );
      assert.deepEqual(early.decisions, []);
      assert.equal(early.state.pendingSlots?.length, 1);
    });

    it('should decide with the regions that answered, a missing region not failing', () => {
      const policy = policyOf({ regionQuorum: 2 });
      const { state } = applyAll([answer('us', 0, 'down')], TWO, policy);
      const deadline = new Date(T0 + TIMEOUT_MS + SLOT_MARGIN_MS);
      const decided = IncidentTracker.decideDueSlots(state, policy, deadline, TWO);
      assert.deepEqual(decided.decisions, []);
      assert.equal(decided.state.lastVerdict?.outcome, 'partial');
      assert.deepEqual(decided.state.pendingSlots, []);
      assert.equal(nextSlotDeadline(decided.state), null);
      const again = IncidentTracker.decideDueSlots(decided.state, policy, deadline, TWO);
      assert.equal(again.state, decided.state, 'a decided slot is decided once');
    });

    it('should open down at the deadline when the answering regions reach the quorum', () => {
      const { state } = applyAll([answer('ap', 0, 'down'), answer('eu', 0, 'down')], THREE);
      const decided = IncidentTracker.decideDueSlots(
        state,
        policyOf(),
        new Date(T0 + MINUTE),
        THREE,
      );
      assert.deepEqual(types(decided.decisions), ['open:down']);
    });

    it('should leave a slot no region could judge uncounted', () => {
      const { state } = applyAll([proberError('eu', 0), proberError('us', 0)], TWO);
      assert.equal(state.window.length, 0);
      assert.equal(state.lastVerdict, undefined);
      assert.deepEqual(state.pendingSlots, []);
    });
  });

  describe('prober_error', () => {
    it('should treat a prober_error region as not answering: it never fails a slot', () => {
      const policy = policyOf({ regionQuorum: 2 });
      const { state, decisions } = applyAll(
        [proberError('eu', 0), answer('us', 0, 'down')],
        TWO,
        policy,
      );
      assert.deepEqual(decisions, []);
      assert.equal(state.lastVerdict?.outcome, 'partial');
    });

    it('should decide as soon as the prober_error region answered, without waiting', () => {
      const { state, decisions } = applyAll([proberError('eu', 0), answer('us', 0, 'up')], TWO);
      assert.deepEqual(decisions, []);
      assert.deepEqual(state.pendingSlots, []);
      assert.equal(state.lastVerdict?.outcome, 'up');
    });
  });

  describe('late and repeated answers', () => {
    it('should not change a decided slot with a late answer, and say it came late', () => {
      const policy = policyOf({ regionQuorum: 2 });
      const { state } = applyAll([answer('us', 0, 'down')], TWO, policy);
      const decided = IncidentTracker.decideDueSlots(state, policy, new Date(T0 + MINUTE), TWO);
      const late = IncidentTracker.apply(
        decided.state,
        answer('eu', 0, 'down'),
        policy,
        new Date(T0 + 2 * MINUTE),
        TWO,
      );
      assert.deepEqual(types(late.decisions), ['lateAnswer']);
      assert.equal(late.state.incident, null);
      assert.equal(late.state.lastVerdict?.outcome, 'partial');
      assert.deepEqual(late.state.pendingSlots, []);
    });

    it('should treat an answer older than every remembered decision as late', () => {
      let state = emptyAlertState();
      for (let slot = 1; slot <= DECIDED_SLOTS_KEPT; slot++) {
        state = applyAll(
          [answer('eu', slot, 'up'), answer('us', slot, 'up')],
          TWO,
          policyOf(),
          state,
        ).state;
      }
      const old = IncidentTracker.apply(
        state,
        answer('eu', 0, 'down'),
        policyOf(),
        new Date(),
        TWO,
      );
      assert.deepEqual(types(old.decisions), ['lateAnswer']);
    });

    it('should decide nothing twice when results are redelivered', () => {
      const results = [answer('eu', 0, 'down'), answer('us', 0, 'down')];
      const first = applyAll(results, TWO);
      const again = applyAll(results, TWO, policyOf(), first.state);
      assert.deepEqual(types(first.decisions), ['open:down']);
      assert.deepEqual(again.decisions, []);
      assert.equal(again.state.incident?.id, first.state.incident?.id);
    });

    it('should keep the first answer of a region in a slot', () => {
      const policy = policyOf({ regionQuorum: 2 });
      const { state } = applyAll(
        [answer('us', 0, 'down'), answer('us', 0, 'up', { id: idOf('us-rerun', 0) })],
        TWO,
        policy,
      );
      assert.equal(state.pendingSlots?.[0]?.answers.length, 1);
      assert.equal(state.pendingSlots?.[0]?.answers[0]?.outcome, 'down');
    });
  });

  describe('results judged alone', () => {
    it('should judge a single-region monitor per result, as before', () => {
      const { decisions } = applyAll([answer('eu', 0, 'down')], planOf('eu'));
      assert.deepEqual(types(decisions), ['open:down']);
    });

    it('should judge an on-demand check and a region outside the plan per result', () => {
      const onDemand = applyAll([answer('eu', 0, 'down', { onDemand: true })], TWO);
      assert.deepEqual(types(onDemand.decisions), ['open:down']);
      const push = applyAll([answer('push', 0, 'down')], TWO);
      assert.deepEqual(types(push.decisions), ['open:down']);
    });

    it('should forget the last verdict once the monitor has fewer than two regions', () => {
      const grouped = applyAll([answer('eu', 0, 'up'), answer('us', 0, 'up')], TWO);
      assert.equal(grouped.state.lastVerdict?.outcome, 'up');
      const single = applyAll([answer('eu', 1, 'up')], planOf('eu'), policyOf(), grouped.state);
      assert.equal(single.state.lastVerdict, null);
    });
  });
});

describe('region-suspect slots', () => {
  const HOLD_MS = 30_000;
  const HELD: RegionPlan = { ...TWO, regionHoldMs: HOLD_MS };
  const releaseOf = (slot: number) =>
    new Date(T0 + slot * MINUTE + HOLD_MS + TIMEOUT_MS + SLOT_MARGIN_MS);

  /** What pages or counts: the slots' evidence for the region judgement aside. */
  function paged(decisions: Decision[]): string[] {
    return types(decisions).filter((t) => t !== 'slotObserved');
  }

  function release(state: MonitorAlertState, now: Date, plan: RegionPlan): Evaluation {
    return IncidentTracker.decideDueSlots(state, policyOf(), now, plan);
  }

  it('should hold a slot that would page because one region failed alone, until its release', () => {
    const { state, decisions } = applyAll([answer('eu', 0, 'up'), answer('us', 0, 'down')], HELD);
    assert.deepEqual(paged(decisions), [], 'nothing pages before the region judgement');
    const observed = decisions.find((d) => d.type === 'slotObserved');
    assert.deepEqual(observed && [observed.answered, observed.failing], [['eu', 'us'], ['us']]);
    assert.equal(state.heldSlots?.length, 1);
    assert.equal(state.lastVerdict?.outcome, 'down', 'the status shows the verdict at once');
    assert.equal(nextSlotDeadline(state)?.toISOString(), releaseOf(0).toISOString());
    const early = release(state, new Date(releaseOf(0).getTime() - 1), HELD);
    assert.deepEqual(paged(early.decisions), []);
    assert.equal(early.state.heldSlots?.length, 1);
  });

  it('should page at release when the region was not found cut off', () => {
    const held = applyAll([answer('eu', 0, 'up'), answer('us', 0, 'down')], HELD).state;
    const { state, decisions } = release(held, releaseOf(0), HELD);
    assert.deepEqual(paged(decisions), ['open:down']);
    assert.deepEqual(state.heldSlots, []);
    assert.equal(nextSlotDeadline(state), null);
  });

  it('should page nobody at release when the region was found cut off: it is not judged', () => {
    const held = applyAll([answer('eu', 0, 'up'), answer('us', 0, 'down')], HELD).state;
    const cut = { ...HELD, regionsCut: ['us'] };
    const { state, decisions } = release(held, releaseOf(0), cut);
    assert.deepEqual(paged(decisions), []);
    assert.equal(state.lastVerdict?.outcome, 'up');
    assert.equal(state.window.at(-1)?.verdict, 'up');
  });

  it('should not hold while the region is already cut off, nor a failure in every region', () => {
    const cut = { ...HELD, regionsCut: ['us'] };
    const muted = applyAll([answer('eu', 0, 'up'), answer('us', 0, 'down')], cut);
    assert.deepEqual([paged(muted.decisions), muted.state.heldSlots ?? []], [[], []]);
    assert.ok(
      muted.decisions.some((d) => d.type === 'slotObserved' && d.failing.includes('us')),
      'a cut-off region still leaves its evidence, which tells when it agrees again',
    );
    const everywhere = applyAll([answer('eu', 0, 'down'), answer('us', 0, 'down')], HELD);
    assert.deepEqual(paged(everywhere.decisions), ['open:down']);
  });

  it('should not hold a slot that pages nobody anyway (partial without alertOnPartial)', () => {
    const policy = policyOf({ regionQuorum: 2 });
    const { state, decisions } = applyAll(
      [answer('eu', 0, 'up'), answer('us', 0, 'down')],
      HELD,
      policy,
    );
    assert.deepEqual(paged(decisions), []);
    assert.equal(state.heldSlots, undefined);
    assert.equal(state.lastVerdict?.outcome, 'partial');
  });

  it('should keep a late answer for a held slot late, and release the same after a restart', () => {
    const held = applyAll([answer('eu', 0, 'up'), answer('us', 0, 'down')], HELD).state;
    const restarted = JSON.parse(JSON.stringify(held)) as MonitorAlertState;
    const late = applyAll(
      [answer('us', 0, 'up', { id: idOf('us-again', 0) })],
      HELD,
      policyOf(),
      restarted,
    );
    assert.deepEqual(paged(late.decisions), ['lateAnswer']);
    assert.deepEqual(paged(release(late.state, releaseOf(0), HELD).decisions), ['open:down']);
  });

  it('should hold nothing without a hold time (the feature off)', () => {
    const { decisions } = applyAll([answer('eu', 0, 'up'), answer('us', 0, 'down')], TWO);
    assert.deepEqual(paged(decisions), ['open:down']);
  });
});
