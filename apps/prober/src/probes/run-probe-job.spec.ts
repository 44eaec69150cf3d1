import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TargetPolicy } from '@uptime/target-guard';
import { TestDnsServer } from '../../../../test/support/dns-server';
import { monitorFixture, probeJobFixture } from '../../../../test/support/factories';
import { isStale, runProbeJob } from './run-probe-job';

const monitor = monitorFixture({ intervalSeconds: 60, timeoutMs: 5000 });

const jobAt = (scheduledAt: number, onDemand: boolean) =>
  probeJobFixture(monitor, { scheduledAt: new Date(scheduledAt), onDemand });

describe('isStale', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');

  it('should keep a scheduled job up to two intervals late and drop it after', () => {
    assert.equal(isStale(jobAt(t0, false), t0 + 120_000), false);
    assert.equal(isStale(jobAt(t0, false), t0 + 120_001), true);
  });

  it('should drop an on-demand job once its caller stopped waiting (timeout + 2 s)', () => {
    assert.equal(isStale(jobAt(t0, true), t0 + 7_000), false);
    assert.equal(isStale(jobAt(t0, true), t0 + 7_001), true);
    // Before: on-demand jobs were never stale, so one queued for a missing prober ran hours later.
    assert.equal(isStale(jobAt(t0, true), t0 + 3_600_000), true);
  });
});

describe('runProbeJob', () => {
  const local = { targets: new TargetPolicy({ allowPrivate: true }) };

  it('should run a tcp job as a tcp check and name the result after the job', async () => {
    const server = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const job = probeJobFixture(monitorFixture({ type: 'tcp', url: `tcp://127.0.0.1:${port}` }));
      const result = await runProbeJob(job, local);
      assert.equal(result.id, job.checkId);
      assert.equal(result.outcome, 'up', result.message ?? '');
      assert.equal(result.httpStatus, null);
      assert.equal(typeof result.timings.connectMs, 'number');
      assert.deepEqual(
        result.assertions.map((a) => [a.type, a.actual, a.passed]),
        [['connect', 'open', true]],
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('should refuse a private tcp target unless the policy allows it', async () => {
    const job = probeJobFixture(monitorFixture({ type: 'tcp', url: 'tcp://10.0.0.1:5432' }));
    const result = await runProbeJob(job, { targets: TargetPolicy.PUBLIC_ONLY });
    assert.equal(result.outcome, 'down');
    assert.equal(result.errorKind, 'blocked_target');
  });

  let dns: TestDnsServer;
  before(async () => {
    dns = await TestDnsServer.start();
    dns.set('shop.example.test', { records: { TXT: [['hello']] } });
  });
  after(() => dns.close());

  it("should run the check its monitor's type names, the result named after the job", async () => {
    const job = probeJobFixture(
      monitorFixture({
        type: 'dns',
        url: 'dns://shop.example.test',
        dns: { recordType: 'TXT', resolver: dns.address, expected: ['hello'] },
      }),
    );
    const result = await runProbeJob(job, { targets: new TargetPolicy({ allowPrivate: true }) });
    assert.equal(result.id, job.checkId);
    assert.equal(result.outcome, 'up', result.message ?? '');
    assert.equal(result.message, 'TXT shop.example.test: hello');
    assert.deepEqual(dns.queries, ['TXT shop.example.test']);
  });
});
