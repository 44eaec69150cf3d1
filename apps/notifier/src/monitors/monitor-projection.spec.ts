import type { MonitorChangedEvent, MonitorEventKind } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { monitorFixture } from '../../../../test/support/factories';
import { newestPerMonitor } from './monitor-projection';

function event(monitorId: string, version: number, kind: MonitorEventKind): MonitorChangedEvent {
  const monitor = monitorFixture({ id: monitorId, version });
  return {
    eventId: randomUUID(),
    kind,
    monitorId,
    ownerId: monitor.ownerId,
    version,
    occurredAt: new Date().toISOString(),
    monitor,
  };
}

describe(newestPerMonitor.name, () => {
  it("should keep each monitor's newest event, whatever order a batch holds them in", () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const batch = [
      event(a, 1, 'created'),
      event(b, 3, 'paused'),
      event(a, 2, 'updated'),
      event(b, 2, 'updated'), // redelivered after a nak: older than what came before it
      event(a, 3, 'deleted'),
    ];
    const newest = newestPerMonitor(batch);
    assert.deepEqual(
      newest.map((e) => [e.monitorId, e.version, e.kind]),
      [
        [a, 3, 'deleted'],
        [b, 3, 'paused'],
      ],
    );
  });

  it('should give nothing for an empty batch', () => {
    assert.deepEqual(newestPerMonitor([]), []);
  });
});
