import { ProblemError } from '@uptime/bus';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { derivedKey } from './config-documents.service';
import { DocumentSource } from './document-source';

const text = `version: 1
monitors:
  - key: a
    name: A
    url: https://a.example.test/
  - key: b
    name: B
    alertPolicy:
      windowSize: 0
    headers:
      X-Api.Key: k
`;

describe('DocumentSource', () => {
  const source = DocumentSource.fromYaml(text);

  it('should read YAML into the value a JSON body would have been', () => {
    const value = source.value as { monitors: { key: string }[] };
    assert.deepEqual(
      value.monitors.map((m) => m.key),
      ['a', 'b'],
    );
  });

  it('should tell the line of a field, of a list item and of a nested field', () => {
    assert.equal(source.lineOf('version'), 1);
    assert.equal(source.lineOf('monitors[1]'), 6);
    assert.equal(source.lineOf('monitors[1].name'), 7);
    assert.equal(source.lineOf('monitors[1].alertPolicy.windowSize'), 9);
  });

  it('should give a missing field the line of the closest field that is there', () => {
    assert.equal(source.lineOf('monitors[1].url'), 6);
    assert.equal(source.lineOf('monitors[1].headers.X-Api.Key'), 10);
  });

  it('should know no lines of a JSON body', () => {
    assert.equal(DocumentSource.of({ version: 1 }).lineOf('version'), undefined);
  });

  it('should answer a syntax error with its line and column', () => {
    assert.throws(
      () => DocumentSource.fromYaml('version: 1\nmonitors:\n  - key: [a\n'),
      (err: ProblemError) =>
        err.problem.status === 400 && typeof err.problem.line === 'number' && !!err.problem.column,
    );
    assert.throws(
      () => DocumentSource.fromYaml('version: 1\nversion: 2\n'),
      (err: ProblemError) => err.problem.status === 400 && err.problem.line === 2,
    );
  });

  it('should refuse aliases expanded too often (a "billion laughs")', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    assert.throws(
      () => DocumentSource.fromYaml(levels.join('\n')),
      (err: ProblemError) => err.problem.status === 400,
    );
  });
});

describe('derivedKey', () => {
  it('should make a key of the name and the start of the id', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    assert.equal(derivedKey({ id, name: 'Crème brûlée API!' }), 'creme-brulee-api-0f8fad5b');
    assert.equal(derivedKey({ id, name: '✓✓✓' }), 'monitor-0f8fad5b');
    assert.match(derivedKey({ id, name: 'x'.repeat(200) }), /^x{80}-0f8fad5b$/);
  });
});
