import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type JsonPathAssertion, assertionFailure, parseJsonPath, readJsonPath } from './json-path';

const document = {
  status: 'ok',
  count: 3,
  code: '3',
  ready: true,
  nothing: null,
  tags: ['a', 'b', 7],
  items: [{ id: 10 }, { id: 11, name: 'second' }],
  'key with space': { inner: 'yes' },
  a: [0, 1, 'two'],
};

describe('parseJsonPath', () => {
  const cases: [string, (string | number)[] | null][] = [
    ['$', []],
    ['$.a.b', ['a', 'b']],
    ['$.items[0].id', ['items', 0, 'id']],
    ["$['key with space']", ['key with space']],
    ['$["key with space"].inner', ['key with space', 'inner']],
    ['$.a[2]', ['a', 2]],
    ['a.b', null],
    ['$.items[*]', null],
    ['$..id', null],
    ['$.a[', null],
  ];
  for (const [path, expected] of cases) {
    it(`should parse ${path} as ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(parseJsonPath(path), expected);
    });
  }
});

describe('readJsonPath', () => {
  it('should find nested values, including null, and report missing steps', () => {
    assert.deepEqual(readJsonPath(document, ['items', 1, 'name']), {
      found: true,
      value: 'second',
    });
    assert.deepEqual(readJsonPath(document, ['nothing']), { found: true, value: null });
    assert.deepEqual(readJsonPath(document, ['items', 5]), { found: false });
    assert.deepEqual(readJsonPath(document, ['status', 'length']), { found: false });
  });

  it('should not reach into the prototype', () => {
    assert.deepEqual(readJsonPath(document, ['constructor']), { found: false });
    assert.deepEqual(readJsonPath(document, ['toString']), { found: false });
  });
});

describe('assertionFailure', () => {
  const holds: JsonPathAssertion[] = [
    { type: 'jsonPath', path: '$.status', operator: 'equals', value: 'ok' },
    { type: 'jsonPath', path: '$.count', operator: 'equals', value: 3 },
    { type: 'jsonPath', path: '$.ready', operator: 'equals', value: true },
    { type: 'jsonPath', path: '$.nothing', operator: 'equals', value: null },
    { type: 'jsonPath', path: '$.code', operator: 'notEquals', value: 3 },
    { type: 'jsonPath', path: '$.status', operator: 'contains', value: 'o' },
    { type: 'jsonPath', path: '$.tags', operator: 'contains', value: 'b' },
    { type: 'jsonPath', path: '$.tags', operator: 'contains', value: 7 },
    { type: 'jsonPath', path: '$.count', operator: 'lessThan', value: 4 },
    { type: 'jsonPath', path: '$.count', operator: 'greaterThan', value: 2 },
    { type: 'jsonPath', path: '$.items[1].name', operator: 'exists' },
    { type: 'jsonPath', path: '$.nothing', operator: 'exists' },
    { type: 'jsonPath', path: '$.items[2]', operator: 'notExists' },
    { type: 'jsonPath', path: "$['key with space'].inner", operator: 'equals', value: 'yes' },
    { type: 'jsonPath', path: '$.a[2]', operator: 'equals', value: 'two' },
  ];
  for (const assertion of holds) {
    it(`should pass ${assertion.path} ${assertion.operator} ${JSON.stringify(assertion.value)}`, () => {
      assert.equal(assertionFailure(document, assertion), null);
    });
  }

  const fails: [JsonPathAssertion, RegExp][] = [
    [
      { type: 'jsonPath', path: '$.status', operator: 'equals', value: 'down' },
      /^\$\.status equals "down" failed: actual "ok"$/,
    ],
    [
      { type: 'jsonPath', path: '$.code', operator: 'equals', value: 3 },
      /^\$\.code equals 3 failed: actual "3"$/,
    ],
    [
      { type: 'jsonPath', path: '$.count', operator: 'equals', value: '3' },
      /^\$\.count equals "3" failed: actual 3$/,
    ],
    [
      { type: 'jsonPath', path: '$.status', operator: 'notEquals', value: 'ok' },
      /notEquals "ok" failed/,
    ],
    [
      { type: 'jsonPath', path: '$.tags', operator: 'contains', value: 'z' },
      /actual \["a","b",7\]/,
    ],
    [{ type: 'jsonPath', path: '$.count', operator: 'contains', value: 3 }, /contains 3 failed/],
    [
      { type: 'jsonPath', path: '$.count', operator: 'lessThan', value: 3 },
      /lessThan 3 failed: actual 3/,
    ],
    [{ type: 'jsonPath', path: '$.code', operator: 'greaterThan', value: 1 }, /actual "3"/],
    [
      { type: 'jsonPath', path: '$.missing', operator: 'exists' },
      /^\$\.missing exists failed: actual missing$/,
    ],
    [{ type: 'jsonPath', path: '$.missing', operator: 'notEquals', value: 1 }, /actual missing/],
    [
      { type: 'jsonPath', path: '$.status', operator: 'notExists' },
      /notExists failed: actual "ok"/,
    ],
    [{ type: 'jsonPath', path: '$.items[*]', operator: 'exists' }, /not a supported JSON path/],
  ];
  for (const [assertion, message] of fails) {
    it(`should fail ${assertion.path} ${assertion.operator} ${JSON.stringify(assertion.value)}`, () => {
      assert.match(assertionFailure(document, assertion) ?? 'passed', message);
    });
  }
});
