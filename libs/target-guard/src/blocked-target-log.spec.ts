import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { BlockedTargetLog } from './blocked-target-log';

describe('BlockedTargetLog', () => {
  it('should count every refusal by reason and hand each to the log', async () => {
    const registry = new Registry();
    const lines: string[] = [];
    const blocked = new BlockedTargetLog({
      registry,
      metricName: 'test_blocked_targets_total',
      log: { log: (line) => lines.push(line) },
    });
    blocked.record('loopback', 'check: 127.0.0.1 is a loopback address');
    blocked.record('loopback', 'check: 127.0.0.2 is a loopback address');
    blocked.record('cloud metadata', 'webhook: 169.254.169.254 is a cloud metadata address');
    const text = await registry.metrics();
    assert.match(text, /test_blocked_targets_total\{reason="loopback"\} 2/);
    assert.match(text, /test_blocked_targets_total\{reason="cloud metadata"\} 1/);
    assert.deepEqual(lines, [
      'refused by the target guard: check: 127.0.0.1 is a loopback address',
      'refused by the target guard: check: 127.0.0.2 is a loopback address',
      'refused by the target guard: webhook: 169.254.169.254 is a cloud metadata address',
    ]);
  });
});
