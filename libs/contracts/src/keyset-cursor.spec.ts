import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  decodeKeysetCursor,
  encodeKeysetCursor,
  InvalidCursorError,
  invalidCursorProblem,
  keysetCursorAfter,
} from './keyset-cursor';

describe('keyset cursor', () => {
  const position = { t: '2026-03-01T12:00:00.123Z', id: randomUUID() };

  it('should decode to the position it was made from', () => {
    assert.deepEqual(decodeKeysetCursor(encodeKeysetCursor(position)), position);
    const at = new Date(position.t);
    assert.deepEqual(decodeKeysetCursor(keysetCursorAfter(at, position.id)), position);
  });

  it('should keep the wire format lists have always handed out: base64url of {t, id}', () => {
    const legacy = Buffer.from(JSON.stringify(position)).toString('base64url');
    assert.equal(encodeKeysetCursor(position), legacy);
    assert.deepEqual(decodeKeysetCursor(legacy), position);
  });

  it('should read no cursor as the first page', () => {
    assert.equal(decodeKeysetCursor(undefined), undefined);
  });

  it('should refuse anything a list did not hand out', () => {
    const base64url = (value: unknown): string =>
      Buffer.from(JSON.stringify(value)).toString('base64url');
    const forged = [
      '',
      'not-a-cursor',
      Buffer.from('{"t":').toString('base64url'),
      base64url('a string'),
      base64url(null),
      base64url({ t: 'yesterday', id: position.id }),
      base64url({ t: position.t, id: 'x' }),
      base64url({ t: position.t }),
      base64url({ id: position.id }),
      base64url({ ...position, x: 1 }),
      base64url({ t: 1_700_000_000_000, id: position.id }),
    ];
    for (const cursor of forged) {
      assert.throws(() => decodeKeysetCursor(cursor), InvalidCursorError, cursor);
    }
  });

  it('should answer a refused cursor with a 400 naming `cursor`', () => {
    const problem = invalidCursorProblem();
    assert.equal(problem.status, 400);
    assert.deepEqual(
      problem.errors?.map((e) => e.field),
      ['cursor'],
    );
  });
});
