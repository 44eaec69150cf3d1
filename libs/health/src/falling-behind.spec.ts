import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { FallingBehind } from './falling-behind';

function tracker() {
  const lines: string[] = [];
  const registry = new Registry();
  const behind = new FallingBehind({
    metricPrefix: 'uptime_test',
    subject: 'the test',
    reasons: ['late', 'dropped'],
    advice: 'add probers',
    registry,
    logger: { log: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) },
  });
  return { behind, lines, registry };
}

describe(FallingBehind.name, () => {
  it('should stay quiet and ok while slots run on time', async () => {
    const { behind, lines } = tracker();
    for (let t = 0; t < 5000; t += 100) behind.lag(30, t);
    assert.equal(behind.degradedReason(5000), undefined);
    assert.deepEqual(lines, []);
  });

  it('should warn once a minute naming the lag and the misses of the last minute by reason', async () => {
    const { behind, lines, registry } = tracker();
    for (let t = 0; t < 30_000; t += 1000) {
      behind.missed('late', 2, 12_000, t);
      behind.missed('dropped', 1, 15_000, t);
    }
    assert.equal(lines.length, 1, 'rate-limited to one line a minute');
    assert.match(
      lines[0]!,
      /the test falls behind: lag 12\.0 s, 2 checks missed in the last minute \(late 2\); add probers/,
    );
    assert.match(
      behind.degradedReason(30_000)!,
      /lag 15\.0 s, 90 checks missed .*late 60, dropped 30/,
    );
    const counter = await registry.getSingleMetric('uptime_test_missed_slots_total')!.get();
    assert.deepEqual(
      counter.values.map((v) => [v.labels.reason, v.value]),
      [
        ['late', 60],
        ['dropped', 30],
      ],
    );
    behind.missed('late', 1, 12_000, 60_000);
    assert.equal(lines.length, 2);
    assert.equal(
      behind.degradedReason(200_000),
      undefined,
      'ok again a minute after the last miss',
    );
  });

  it('should report degraded in readiness, yet up', async () => {
    const { behind } = tracker();
    assert.deepEqual(await behind.readiness('overload')(), {
      overload: { status: 'up', state: 'ok' },
    });
    behind.missed('late', 1, 20_000);
    const [entry] = Object.values(await behind.readiness('overload')());
    assert.equal(entry!.status, 'up');
    assert.equal(entry!['state'], 'degraded');
  });
});
