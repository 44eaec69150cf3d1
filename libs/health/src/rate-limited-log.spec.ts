import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimitedLog } from './rate-limited-log';

describe('RateLimitedLog', () => {
  it('should write at most one line per period and count the lines held back', () => {
    const lines: string[] = [];
    const sink = {
      log: (m: string) => lines.push(`log ${m}`),
      warn: (m: string) => lines.push(`warn ${m}`),
    };
    const log = new RateLimitedLog(sink, 1000);
    log.warn('full', 0);
    for (let t = 1; t < 1000; t += 100) log.warn('full', t);
    log.log('refused', 1000);
    assert.deepEqual(lines, ['warn full', 'log refused (10 more like it since the last report)']);
  });

  it('should build a line given as a function only when it is written', () => {
    const lines: string[] = [];
    const log = new RateLimitedLog({ log: (m) => lines.push(m), warn: (m) => lines.push(m) }, 1000);
    let built = 0;
    const line = () => `behind ${++built}`;
    for (let t = 0; t < 2000; t += 100) log.warn(line, t);
    assert.equal(built, 2, 'one line per period, none for the 18 held back');
    assert.deepEqual(lines, ['behind 1', 'behind 2 (9 more like it since the last report)']);
  });
});
