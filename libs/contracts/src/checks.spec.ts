import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { monitorFixture, probeJobFixture } from '../../../test/support/factories';
import { type ProbeJob, safeParseProbeJob } from './checks';

const validJob = (): ProbeJob => probeJobFixture();

/** A valid job with one field replaced (or removed, for `undefined`), as it arrives as JSON. */
function jobWith(path: string, value: unknown): unknown {
  const job = JSON.parse(JSON.stringify(validJob())) as Record<string, Record<string, unknown>>;
  const [head, tail] = path.split('.') as [string, string | undefined];
  const owner: Record<string, unknown> = tail ? job[head]! : job;
  if (value === undefined) delete owner[tail ?? head];
  else owner[tail ?? head] = value;
  return job;
}

describe('safeParseProbeJob', () => {
  it('should accept a job as the scheduler makes it, and hand it back untouched', () => {
    const job = JSON.parse(JSON.stringify(validJob())) as unknown;
    const parsed = safeParseProbeJob(job);
    assert.ok(parsed.success);
    assert.equal(parsed.data, job);
  });

  it('should accept fields it does not know (a newer scheduler may add some)', () => {
    const job = validJob();
    assert.ok(safeParseProbeJob({ ...job, addedLater: 1 }).success);
    assert.ok(safeParseProbeJob({ ...job, spec: { ...job.spec, addedLater: 2 } }).success);
  });

  const bad: [string, unknown, string][] = [
    ['checkId', 'not-a-uuid', 'checkId: must be a UUID'],
    ['monitorId', undefined, 'monitorId: must be a UUID'],
    ['ownerId', 42, 'ownerId: must be a UUID'],
    ['region', '', 'region: must be a non-empty string'],
    ['scheduledAt', '2026-11-24 17:00', 'scheduledAt: must be an ISO 8601 date-time in UTC'],
    ['scheduledAt', '2026-02-30T17:00:00Z', 'scheduledAt: must be an ISO 8601 date-time in UTC'],
    ['monitorVersion', 1.5, 'monitorVersion: must be an integer'],
    ['onDemand', 'false', 'onDemand: must be a boolean'],
    ['spec', [], 'spec: must be an object'],
    ['spec.url', undefined, 'spec.url: must be a string'],
    ['spec.type', null, 'spec.type: must be a string'],
    ['spec.timeoutMs', '5000', 'spec.timeoutMs: must be a number'],
    ['spec.intervalSeconds', undefined, 'spec.intervalSeconds: must be a number'],
  ];
  for (const [path, value, error] of bad) {
    it(`should refuse ${path} = ${JSON.stringify(value)} with "${error}"`, () => {
      assert.deepEqual(safeParseProbeJob(jobWith(path, value)), { success: false, error });
    });
  }

  it('should pass a dns job through, and refuse one without its dns settings', () => {
    const job = probeJobFixture(
      monitorFixture({
        type: 'dns',
        url: 'dns://example.com',
        dns: { recordType: 'MX', resolver: null, expected: [] },
      }),
    );
    const wire = JSON.parse(JSON.stringify(job)) as ProbeJob;
    const parsed = safeParseProbeJob(wire);
    assert.ok(parsed.success);
    assert.deepEqual(parsed.data.spec.dns, { recordType: 'MX', resolver: null, expected: [] });
    assert.deepEqual(safeParseProbeJob({ ...wire, spec: { ...wire.spec, dns: null } }), {
      success: false,
      error: 'spec.dns: must be an object for a dns check',
    });
  });

  it('should refuse what is not a JSON object', () => {
    for (const value of [undefined, null, 'job', [validJob()]]) {
      assert.deepEqual(safeParseProbeJob(value), { success: false, error: 'not a JSON object' });
    }
  });
});
