import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { BlockedTargetLog } from './blocked-target-log';

describe('BlockedTargetLog', () => {
  const setUp = () => {
    const registry = new Registry();
    const lines: string[] = [];
    let now = 0;
    const log = new BlockedTargetLog({
      registry,
      metricName: 'test_blocked_targets_total',
      logger: { log: (line) => lines.push(line) },
      logEveryMs: 60_000,
      now: () => now,
    });
    return { registry, lines, log, advance: (ms: number) => (now += ms) };
  };

  it('should count every refusal by reason', async () => {
    const { registry, log } = setUp();
    log.record('loopback', 'a');
    log.record('loopback', 'b');
    log.record('cloud metadata', 'c');
    const text = await registry.metrics();
    assert.match(text, /test_blocked_targets_total\{reason="loopback"\} 2/);
    assert.match(text, /test_blocked_targets_total\{reason="cloud metadata"\} 1/);
  });

  it('should log at most once a minute, saying how many went unlogged', () => {
    const { lines, log, advance } = setUp();
    log.record('loopback', 'check: 127.0.0.1 is a loopback address');
    for (let i = 0; i < 500; i++) log.record('private', 'check: 10.0.0.1 is a private address');
    assert.deepEqual(lines, [
      'refused by the target guard: check: 127.0.0.1 is a loopback address',
    ]);
    advance(60_000);
    log.record('private', 'check: 10.0.0.2 is a private address');
    assert.equal(lines.length, 2);
    assert.equal(
      lines[1],
      'refused by the target guard: check: 10.0.0.2 is a private address (and 500 more since the last report)',
    );
  });
});
