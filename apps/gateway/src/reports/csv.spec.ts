import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvCell, csvLine } from './csv';

describe('csv', () => {
  it('quotes cells holding commas, quotes or line breaks, doubling inner quotes', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('plain'), 'plain');
  });

  it('neutralises text a spreadsheet would run as a formula, but not numbers', () => {
    assert.equal(csvCell('=HYPERLINK("http://x")'), '"\'=HYPERLINK(""http://x"")"');
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell(-3.5), '-3.5');
  });

  it('writes empty cells for null and ends lines with CRLF', () => {
    assert.equal(csvLine(['a', null, 1, true, undefined]), 'a,,1,true,\r\n');
  });
});
