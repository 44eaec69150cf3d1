import {
  CheckResultSchema,
  MonitorChangedEventSchema,
  safeParseProbeJob,
  validateMonitorCreate,
} from '@uptime/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkResultFixture,
  monitorChangedEventFixture,
  monitorFixture,
  probeJobFixture,
} from './factories';

/** Fixtures stand in for real messages: each must pass the check its receiver runs. */
describe('test factories', () => {
  it('should build a monitor as the registry stores it from the same create body', () => {
    const body = { name: 'fixture', url: 'https://fixture.example.test/', intervalSeconds: 10 };
    const created = validateMonitorCreate(body);
    assert.ok(created.ok);
    const monitor = monitorFixture({ intervalSeconds: 10 });
    assert.deepEqual({ ...monitor, ...created.value }, monitor);
    assert.equal(monitor.timeoutMs, 8000, 'the default timeout follows the interval');
  });

  it('should build a probe job the prober accepts', () => {
    const parsed = safeParseProbeJob(JSON.parse(JSON.stringify(probeJobFixture())));
    assert.ok(parsed.success, parsed.success ? '' : parsed.error);
  });

  it('should build check results of each outcome that the result stream accepts', () => {
    for (const outcome of ['up', 'down', 'degraded'] as const) {
      const result = checkResultFixture({ outcome });
      assert.deepEqual(CheckResultSchema.safeParse(result).error, undefined, outcome);
      assert.equal(result.errorKind === null, outcome !== 'down', outcome);
    }
  });

  it('should build a monitor event its consumers accept', () => {
    const event = monitorChangedEventFixture(monitorFixture(), 'updated');
    assert.deepEqual(MonitorChangedEventSchema.safeParse(event).error, undefined);
  });
});
