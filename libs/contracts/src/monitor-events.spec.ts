import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { type Monitor, monitorOf, validateMonitorCreate } from './monitor';
import { type MonitorEventKind, MonitorChangedEventSchema } from './monitor-events';

function monitor(): Monitor {
  const spec = validateMonitorCreate({
    name: 'Shop',
    url: 'https://shop.example.test/health',
    headers: { 'x-probe': '1' },
    keyword: 'ok',
    assertions: [{ type: 'jsonPath', path: '$.status', operator: 'equals', value: 'up' }],
    regions: ['eu-west'],
  });
  assert.ok(spec.ok);
  const at = new Date().toISOString();
  return monitorOf(
    {
      id: randomUUID(),
      ownerId: randomUUID(),
      status: 'pending',
      lastCheckedAt: null,
      createdAt: at,
      updatedAt: at,
      version: 3,
      pingToken: null,
    },
    spec.value,
  );
}

/** An event as the registry records it, after its trip through JSON. */
function wire(kind: MonitorEventKind, of: Monitor = monitor()): Record<string, unknown> {
  const event = {
    eventId: randomUUID(),
    kind,
    monitorId: of.id,
    ownerId: of.ownerId,
    version: of.version,
    occurredAt: new Date().toISOString(),
    monitor: of,
  };
  return JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
}

function withMonitor(change: (m: Record<string, unknown>) => void): Record<string, unknown> {
  const event = wire('updated');
  change(event.monitor as Record<string, unknown>);
  return event;
}

describe('MonitorChangedEventSchema', () => {
  for (const kind of ['created', 'updated', 'paused', 'resumed', 'deleted'] as const) {
    it(`should read an event of kind ${kind} whole, the monitor as it was sent`, () => {
      const event = wire(kind);
      const parsed = MonitorChangedEventSchema.safeParse(event);
      assert.ok(parsed.success, parsed.error?.message);
      assert.deepEqual(parsed.data, event);
    });
  }

  it("should read an event recorded before monitors carried ownerId, with the event's owner", () => {
    const event = withMonitor((m) => delete m.ownerId);
    const parsed = MonitorChangedEventSchema.safeParse(event);
    assert.ok(parsed.success, parsed.error?.message);
    assert.equal(parsed.data.monitor.ownerId, event.ownerId);
  });

  it('should read an event recorded before dns monitors, its monitor with dns null', () => {
    const parsed = MonitorChangedEventSchema.safeParse(withMonitor((m) => delete m.dns));
    assert.ok(parsed.success, parsed.error?.message);
    assert.equal(parsed.data.monitor.dns, null);
  });

  it('should read a dns monitor whole', () => {
    const dns = { recordType: 'MX', resolver: '1.1.1.1:53', expected: ['mx.example.com'] };
    const event = withMonitor((m) =>
      Object.assign(m, { type: 'dns', url: 'dns://example.com', dns }),
    );
    const parsed = MonitorChangedEventSchema.safeParse(event);
    assert.ok(parsed.success, parsed.error?.message);
    assert.deepEqual(parsed.data.monitor.dns, dns);
  });

  it('should read a monitor saved before a bound was added (the shape, not the write rules)', () => {
    const headers = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`h${i}`, 'v']));
    const parsed = MonitorChangedEventSchema.safeParse(withMonitor((m) => (m.headers = headers)));
    assert.ok(parsed.success, parsed.error?.message);
  });

  const malformed: [string, unknown][] = [
    ['not an object', 'created'],
    ['no monitor', { ...wire('created'), monitor: undefined }],
    ['an unknown kind', { ...wire('created'), kind: 'renamed' }],
    ['a version of 0', { ...wire('created'), version: 0 }],
    ['a monitor without its interval', withMonitor((m) => delete m.intervalSeconds)],
    ['a monitor with an unknown method', withMonitor((m) => (m.method = 'FETCH'))],
    ['a monitor without its alert policy', withMonitor((m) => delete m.alertPolicy)],
    ['a monitor with channels that are not a list', withMonitor((m) => (m.channelIds = 'x'))],
    ['a monitor with a text version', withMonitor((m) => (m.version = '3'))],
  ];
  for (const [what, event] of malformed) {
    it(`should refuse an event with ${what}`, () => {
      assert.equal(MonitorChangedEventSchema.safeParse(event).success, false);
    });
  }
});
