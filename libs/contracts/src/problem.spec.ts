import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { fieldErrorsOf, fieldPath } from './problem';

describe('fieldPath', () => {
  it('should name nested fields the way a client wrote them', () => {
    assert.equal(fieldPath(['alertPolicy', 'windowSize']), 'alertPolicy.windowSize');
    assert.equal(fieldPath(['assertions', 0, 'path']), 'assertions[0].path');
    assert.equal(fieldPath([]), '');
  });
});

describe('fieldErrorsOf', () => {
  const schema = z.object({ a: z.string(), nested: z.object({ b: z.number() }).strict() }).strict();

  it('should give one error per unknown key, and "is required" for a missing field', () => {
    const parsed = schema.safeParse({ nested: { b: 1, c: 2 }, d: 3 }, { reportInput: true });
    assert.ok(!parsed.success);
    assert.deepEqual(fieldErrorsOf(parsed.error), [
      { field: 'a', message: 'is required' },
      { field: 'nested.c', message: 'is not a known field' },
      { field: 'd', message: 'is not a known field' },
    ]);
  });
});
