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
});
