import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { CoverageQuerySchema, phaseOf, slotsBetween } from './missed-slots';

describe('slotsBetween', () => {
  it('should count the slots of a monitor in a half-open range', () => {
    const id = randomUUID();
    const phase = phaseOf(id, 10_000);
    const first = 1_700_000_000_000 - (1_700_000_000_000 % 10_000) + phase;
    assert.equal(slotsBetween(id, 10_000, first, first + 100_000), 10);
    assert.equal(slotsBetween(id, 10_000, first + 1, first + 100_001), 10);
    assert.equal(slotsBetween(id, 10_000, first, first + 1), 1);
    assert.equal(slotsBetween(id, 10_000, first + 1, first + 10_000), 0);
    assert.equal(slotsBetween(id, 10_000, first + 5, first), 0);
  });
});

describe('CoverageQuerySchema', () => {
  it('should name the field that is wrong', () => {
    const bad = (q: object) =>
      CoverageQuerySchema.safeParse(q).error?.issues.map((i) => i.path.join('.'));
    assert.deepEqual(bad({ from: 'yesterday', to: new Date().toISOString() }), ['from']);
    assert.deepEqual(bad({ from: new Date().toISOString() }), ['to']);
    const now = Date.now();
    assert.deepEqual(
      bad({ from: new Date(now).toISOString(), to: new Date(now - 1).toISOString() }),
      ['from'],
    );
    assert.deepEqual(
      bad({ from: new Date(now - 40 * 86_400_000).toISOString(), to: new Date(now).toISOString() }),
      ['to'],
    );
    assert.equal(
      CoverageQuerySchema.safeParse({
        from: new Date(now - 1000).toISOString(),
        to: new Date(now).toISOString(),
      }).success,
      true,
    );
  });
});
