import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { takeWithin } from './payload-budget';

describe('takeWithin', () => {
  const rows = ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)];
  // Each item is 102 bytes of JSON plus its comma; the array's brackets take 2.
  const cases: [string, number, number, number][] = [
    ['every row when they fit', 10, 10_000, 3],
    ['no more than max', 2, 10_000, 2],
    ['the rows that fit the budget', 10, 2 + 103 * 2, 2],
    ['one row short of the budget', 10, 2 + 103 * 2 - 1, 1],
    ['the first row even above the budget', 10, 10, 1],
  ];
  for (const [what, max, budget, expected] of cases) {
    it(`should take ${what}`, () => {
      assert.equal(takeWithin(rows, max, budget, (r) => r).length, expected);
    });
  }

  it('should measure the items, not the rows, in bytes of UTF-8', () => {
    const budget = 2 + 103 * 2;
    assert.equal(takeWithin(['e'.repeat(51), 'e'.repeat(51)], 10, budget, (r) => r).length, 2);
    assert.equal(takeWithin(['é'.repeat(51), 'é'.repeat(51)], 10, budget, (r) => r).length, 1);
    assert.equal(takeWithin([1, 2], 10, 7, (n) => 'x'.repeat(n)).length, 1, 'items, not rows');
  });

  it('should take nothing from no rows', () => {
    assert.deepEqual(
      takeWithin([], 10, 100, (r) => r),
      [],
    );
  });
});
