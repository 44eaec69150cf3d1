import { DEFAULT_ALERT_POLICY } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkResultFixture } from '../../../../test/support/factories';
import { causeSummary } from './alert-state';
import {
  type RegionHealthRules,
  type SlotObservation,
  hasRecovered,
  judgeRegion,
  observationOf,
} from './region-health';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const RULES: RegionHealthRules = { windowMs: 30_000, minMonitors: 3, minOwners: 1 };
const TEAM_A = '0b7a4c1e-1f2d-4e3c-9a8b-7c6d5e4f3a21';
const TEAM_B = '5d2e8f10-3c4b-4a69-8d7e-6f5a4b3c2d10';

function monitorId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** A slot of monitor `n`, `seconds` after T0, where `failing` failed among eu and us. */
function seen(n: number, seconds: number, failing: string[], ownerId = TEAM_A): SlotObservation {
  return {
    monitorId: monitorId(n),
    ownerId,
    scheduledAt: new Date(T0 + seconds * 1000).toISOString(),
    answered: ['eu', 'us'],
    failing,
  };
}

const FROM = new Date(T0);

describe('judgeRegion', () => {
  it('should judge a region cut when most monitors see it fail alone after the slot', () => {
    const observations = [
      seen(1, 0, ['us']),
      seen(2, 4, ['us']),
      seen(3, 9, ['us']),
      seen(4, 12, []),
    ];
    const judgement = judgeRegion('us', observations, FROM, RULES);
    assert.deepEqual(
      { monitors: judgement.monitors, suspects: judgement.suspects, cut: judgement.cut },
      { monitors: 4, suspects: 3, cut: true },
    );
    assert.equal(judgeRegion('eu', observations, FROM, RULES).cut, false);
  });

  it('should not judge a region cut by half of the monitors', () => {
    const observations = [seen(1, 0, ['us']), seen(2, 4, ['us']), seen(3, 9, []), seen(4, 12, [])];
    assert.equal(judgeRegion('us', observations, FROM, RULES).cut, false);
  });

  it('should judge nothing with fewer monitors than the minimum', () => {
    const observations = [seen(1, 0, ['us']), seen(2, 4, ['us'])];
    const judgement = judgeRegion('us', observations, FROM, RULES);
    assert.equal(judgement.monitors, 2);
    assert.equal(judgement.cut, false);
  });

  it('should not count slots from before the judged one, nor after the window', () => {
    const observations = [
      seen(1, -20, []),
      seen(2, -10, []),
      seen(3, -5, []),
      seen(1, 1, ['us']),
      seen(2, 2, ['us']),
      seen(3, 3, ['us']),
      seen(4, 31, []),
      seen(5, 40, []),
    ];
    const judgement = judgeRegion('us', observations, FROM, RULES);
    assert.equal(judgement.monitors, 3);
    assert.equal(judgement.cut, true);
  });

  it('should count each monitor once, by its newest slot in the window', () => {
    const observations = [
      seen(1, 0, ['us']),
      seen(1, 10, []),
      seen(2, 0, ['us']),
      seen(2, 10, []),
      seen(3, 0, ['us']),
    ];
    const judgement = judgeRegion('us', observations, FROM, RULES);
    assert.deepEqual([judgement.monitors, judgement.suspects, judgement.cut], [3, 1, false]);
  });

  it('should not take a slot where every region failed for the region’s fault', () => {
    const observations = [seen(1, 0, ['eu', 'us']), seen(2, 1, ['eu', 'us']), seen(3, 2, ['us'])];
    assert.equal(judgeRegion('us', observations, FROM, RULES).suspects, 1);
  });

  it('should never judge a region cut with no other region answering: one region cannot compare', () => {
    const alone = [1, 2, 3, 4].map((n) => ({
      ...seen(n, n, ['us'], n % 2 ? TEAM_A : TEAM_B),
      answered: ['us'],
    }));
    const judgement = judgeRegion('us', alone, FROM, RULES);
    assert.deepEqual([judgement.monitors, judgement.suspects, judgement.cut], [4, 0, false]);
  });

  it('should let each owner vote once, so one team cannot mute a region for the others', () => {
    const rules = { ...RULES, minOwners: 2 };
    const oneTeam = [1, 2, 3, 4, 5].map((n) => seen(n, n, ['us'], TEAM_A));
    assert.equal(judgeRegion('us', oneTeam, FROM, rules).cut, false);
    // Many monitors of one team, one healthy monitor of another: not a majority of the teams.
    const outvoted = [...oneTeam, seen(6, 6, [], TEAM_B)];
    const judgement = judgeRegion('us', outvoted, FROM, rules);
    assert.deepEqual([judgement.owners, judgement.suspectOwners, judgement.cut], [2, 1, false]);
    const bothTeams = [...oneTeam, seen(6, 6, ['us'], TEAM_B)];
    assert.equal(judgeRegion('us', bothTeams, FROM, rules).cut, true);
  });
});

describe('hasRecovered', () => {
  it('should say recovered only after a window without the region failing alone', () => {
    const observations = [seen(1, 0, ['us']), seen(2, 10, []), seen(3, 20, [])];
    assert.equal(hasRecovered('us', observations, FROM, RULES), false);
    assert.equal(hasRecovered('us', observations, new Date(T0 + 1000), RULES), true);
  });

  it('should take a window in which the region answered nothing as recovered', () => {
    assert.equal(hasRecovered('us', [], FROM, RULES), true);
  });
});

describe('observationOf', () => {
  const plan = { regions: ['eu', 'us'], timeoutMs: 5_000 };
  const monitor = { monitorId: monitorId(1), ownerId: TEAM_A };
  const scheduledAt = new Date(T0).toISOString();

  function slotOf(...answers: [string, 'up' | 'down', string | null][]) {
    return {
      scheduledAt,
      deadlineAt: scheduledAt,
      answers: answers.map(([region, outcome, errorKind]) =>
        causeSummary(
          checkResultFixture({
            region,
            scheduledAt,
            outcome,
            errorKind: errorKind as 'timeout' | 'prober_error' | null,
          }),
        ),
      ),
    };
  }

  it('should name the regions that answered and the failing ones', () => {
    const observation = observationOf(
      slotOf(['us', 'down', 'timeout'], ['eu', 'up', null]),
      plan,
      DEFAULT_ALERT_POLICY,
      monitor,
    );
    assert.deepEqual(observation && [observation.answered, observation.failing], [
      ['eu', 'us'],
      ['us'],
    ]);
  });

  it('should leave out a slot with a prober_error or a missing answer: one region cannot compare', () => {
    const withProberError = slotOf(['us', 'down', 'prober_error'], ['eu', 'up', null]);
    assert.equal(observationOf(withProberError, plan, DEFAULT_ALERT_POLICY, monitor), null);
    assert.equal(
      observationOf(slotOf(['eu', 'up', null]), plan, DEFAULT_ALERT_POLICY, monitor),
      null,
    );
  });
});
