import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ThrottledLog } from './throttled-log';

describe('ThrottledLog', () => {
  it('should write once per interval and then say how many it left out', () => {
    const lines: string[] = [];
    const logger = { warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const log = new ThrottledLog(logger, 1000);
    log.warn('refused', 0);
    log.warn('refused', 500);
    log.error('refused', 900);
    log.warn('refused', 1000);
    assert.deepEqual(lines, ['refused', 'refused (and 2 more since the last report)']);
  });
});
