import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonBytesAtMost, jsonShapeErrors, MAX_JSON_DEPTH } from './json-shape';

function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('jsonShapeErrors', () => {
  const refused: [string, unknown, string[]][] = [
    ['a NUL in a value', { name: 'a\u0000b' }, ['name']],
    ['a lone high surrogate', { headers: { 'X-Test': '\ud800' } }, ['headers.X-Test']],
    ['a lone low surrogate in an array', { tags: ['ok', 'x\udc00'] }, ['tags[1]']],
    ['a NUL in a key, not echoed', { headers: { 'X\u0000': 'v' } }, ['headers.X\ufffd']],
    [
      'nesting beyond the limit',
      { config: nested(MAX_JSON_DEPTH) },
      [`config${'.a'.repeat(MAX_JSON_DEPTH - 1)}`],
    ],
  ];
  for (const [what, body, fields] of refused) {
    it(`should name the field of ${what}`, () => {
      assert.deepEqual(
        jsonShapeErrors(body).map((e) => e.field),
        fields,
      );
    });
  }

  it('should accept paired surrogates (emoji), ordinary text and the deepest allowed nesting', () => {
    assert.deepEqual(
      jsonShapeErrors({ name: 'ok 🚀 監視', config: nested(MAX_JSON_DEPTH - 1) }),
      [],
    );
  });

  it('should put a prefix before the path, as the registry names `body.name`', () => {
    assert.deepEqual(jsonShapeErrors({ name: '\u0000' }, ['body']), [
      { field: 'body.name', message: 'must not contain NUL or unpaired surrogate characters' },
    ]);
  });
});

describe('jsonBytesAtMost', () => {
  const values: [string, unknown][] = [
    ['ASCII text', 'plain'],
    ['control characters, escaped to 6 bytes each', '\u0001\u0002\u001f'],
    ['quotes and backslashes', '"\\"\\'],
    ['three-byte characters', '監視監視'],
    ['an emoji (a surrogate pair)', '🚀🚀'],
    ['a lone surrogate, escaped', 'x\ud800'],
    ['numbers at their longest', [-1.2345678901234567e-308, Number.MAX_VALUE, NaN, -0]],
    ['literals and an undefined item', [true, false, null, undefined]],
    ['an object with an undefined field', { a: undefined, b: 1 }],
    ['keys that need escapes', { '\u0001"監': { '': [] } }],
    ['an empty object and array', [{}, []]],
  ];
  for (const [what, value] of values) {
    it(`should never be below what JSON.stringify writes: ${what}`, () => {
      const exact = Buffer.byteLength(JSON.stringify(value));
      assert.ok(jsonBytesAtMost(value) >= exact, `${jsonBytesAtMost(value)} < ${exact}`);
    });
  }

  it('should leave what it cannot bound to an exact measure', () => {
    assert.equal(jsonBytesAtMost({ at: new Date() }), Infinity);
    assert.equal(jsonBytesAtMost([1n]), Infinity);
  });
});
