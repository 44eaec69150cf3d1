import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { documentMonitorOf } from './config-document';
import {
  heartbeatUrlOf,
  MAX_HEARTBEAT_PERIOD_SECONDS,
  missedHeartbeatResult,
  pingResult,
} from './heartbeat-monitor';
import {
  crossFieldErrors,
  monitorOf,
  monitorReplyOf,
  monitorSpecWithPatch,
  typeChangeErrors,
  validateMonitorCreate,
  validateMonitorCreateMany,
  validateMonitorPatch,
} from './monitor';
import { CheckResultSchema } from './checks';
import type { FieldError } from './problem';

const heartbeat = {
  name: 'Nightly backup',
  type: 'heartbeat',
  heartbeat: { periodSeconds: 86_400, graceSeconds: 600 },
};

function errorsOf(body: unknown): FieldError[] {
  const validated = validateMonitorCreate(body);
  assert.ok(!validated.ok, 'expected a refusal');
  return validated.errors;
}

function fieldsOf(body: unknown): string[] {
  return errorsOf(body).map((e) => e.field);
}

describe('heartbeat monitors: validation', () => {
  it('should accept a heartbeat monitor without a url, its grace defaulting to 0', () => {
    const validated = validateMonitorCreate({ ...heartbeat, heartbeat: { periodSeconds: 10 } });
    assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
    assert.equal(validated.value.url, '');
    assert.deepEqual(validated.value.heartbeat, { periodSeconds: 10, graceSeconds: 0 });
    assert.deepEqual(validated.value.regions, []);
  });

  it('should require heartbeat settings with type heartbeat, and refuse them on other types', () => {
    assert.deepEqual(fieldsOf({ name: 'x', type: 'heartbeat' }), ['heartbeat']);
    assert.deepEqual(
      fieldsOf({ name: 'x', url: 'https://example.test/', ...{ heartbeat: heartbeat.heartbeat } }),
      ['heartbeat'],
    );
  });

  it('should bound the period to 10 s .. 31 days and the grace to 0 .. 7 days, naming each', () => {
    const period = errorsOf({ ...heartbeat, heartbeat: { periodSeconds: 9, graceSeconds: -1 } });
    assert.deepEqual(
      period.map((e) => e.field),
      ['heartbeat.periodSeconds', 'heartbeat.graceSeconds'],
    );
    assert.match(period[0]!.message, /at least 10 seconds/);
    assert.deepEqual(
      fieldsOf({ ...heartbeat, heartbeat: { periodSeconds: MAX_HEARTBEAT_PERIOD_SECONDS + 1 } }),
      ['heartbeat.periodSeconds'],
    );
    assert.deepEqual(
      fieldsOf({ ...heartbeat, heartbeat: { periodSeconds: 60, graceSeconds: 7 * 86_400 + 1 } }),
      ['heartbeat.graceSeconds'],
    );
    assert.deepEqual(fieldsOf({ ...heartbeat, heartbeat: { periodSeconds: 60, extra: 1 } }), [
      'heartbeat.extra',
    ]);
  });

  it('should refuse, each by name, what a pinged monitor does not have', () => {
    const errors = errorsOf({
      ...heartbeat,
      url: 'https://example.test/',
      regions: ['eu-west'],
      intervalSeconds: 30,
      timeoutMs: 5000,
      maxLatencyMs: 100,
      method: 'POST',
      keyword: 'ok',
      dns: { recordType: 'A' },
      tls: { allowInvalidCertificate: true },
    });
    assert.deepEqual(errors.map((e) => e.field).sort(), [
      'dns',
      'intervalSeconds',
      'keyword',
      'maxLatencyMs',
      'method',
      'regions',
      'timeoutMs',
      'tls',
      'url',
    ]);
    assert.match(errors.find((e) => e.field === 'url')!.message, /leave it out/);
  });

  it('should still require a url on every other type', () => {
    assert.deepEqual(fieldsOf({ name: 'x' }), ['url']);
    assert.deepEqual(fieldsOf({ name: 'x', type: 'tcp' }), ['url']);
  });

  it('should refuse pingUrl as read-only', () => {
    assert.deepEqual(errorsOf({ ...heartbeat, pingUrl: 'http://x/ping/abc' }), [
      { field: 'pingUrl', message: 'is read-only' },
    ]);
  });

  it('should let many heartbeat monitors be created at once (their URLs are their ids)', () => {
    const validated = validateMonitorCreateMany({ monitors: [heartbeat, heartbeat] });
    assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
  });

  it('should keep a stored heartbeat monitor valid under a patch, and refuse a type change', () => {
    const created = validateMonitorCreate(heartbeat);
    assert.ok(created.ok);
    const stored = { ...created.value, url: heartbeatUrlOf(randomUUID()) };
    assert.deepEqual(crossFieldErrors(stored), []);
    const patch = validateMonitorPatch({ heartbeat: { periodSeconds: 60, graceSeconds: 5 } });
    assert.ok(patch.ok);
    assert.deepEqual(crossFieldErrors(monitorSpecWithPatch(stored, patch.value)), []);
    const toHttp = monitorSpecWithPatch(stored, { type: 'http', url: 'https://example.test/' });
    assert.deepEqual(
      typeChangeErrors(stored, toHttp).map((e) => e.field),
      ['type'],
    );
    const urlPatch = monitorSpecWithPatch(stored, { url: 'https://example.test/' });
    assert.deepEqual(
      crossFieldErrors(urlPatch).map((e) => e.field),
      ['url'],
    );
  });
});

describe('heartbeat monitors: replies, documents and results', () => {
  const created = validateMonitorCreate(heartbeat);
  assert.ok(created.ok);
  const id = randomUUID();
  const at = new Date().toISOString();
  const monitor = monitorOf(
    {
      id,
      ownerId: randomUUID(),
      status: 'pending',
      lastCheckedAt: null,
      createdAt: at,
      updatedAt: at,
      version: 1,
      pingToken: 'a'.repeat(32),
    },
    created.value,
  );

  it('should name the monitor heartbeat://<id> and show its token only inside pingUrl', () => {
    assert.equal(monitor.url, `heartbeat://${id}`);
    const reply = monitorReplyOf(monitor, 'https://uptime.example.test/');
    assert.equal(reply.pingUrl, `https://uptime.example.test/ping/${'a'.repeat(32)}`);
    assert.ok(!('pingToken' in reply));
  });

  it('should state a heartbeat monitor in a document without its url, and read it back', () => {
    const document = documentMonitorOf(monitor, 'backup', []);
    assert.ok(!('url' in document));
    assert.deepEqual(document.heartbeat, { periodSeconds: 86_400, graceSeconds: 600 });
    const again = validateMonitorCreate({ ...document, key: undefined });
    assert.ok(again.ok, JSON.stringify(!again.ok && again.errors));
  });

  it('should build results that the check result schema accepts', () => {
    const ids = { id: randomUUID(), monitorId: id, ownerId: monitor.ownerId };
    const up = pingResult({ ...ids, kind: 'ping', at: 2_000, startedAt: 500, message: null });
    assert.equal(CheckResultSchema.parse(up).latencyMs, 1500);
    assert.equal(up.region, 'push');
    const failed = pingResult({ ...ids, kind: 'fail', at: 2_000, startedAt: null, message: 'x' });
    assert.deepEqual(
      [failed.outcome, failed.errorKind, failed.latencyMs],
      ['down', 'reported_failure', 0],
    );
    const missed = missedHeartbeatResult({
      ...ids,
      settings: { periodSeconds: 10, graceSeconds: 2 },
      deadline: 12_000,
      lastPingAt: null,
      inMaintenance: true,
    });
    const parsed = CheckResultSchema.parse(missed);
    assert.equal(parsed.errorKind, 'missed_heartbeat');
    assert.equal(parsed.inMaintenance, true, 'a miss in a window is stamped as such');
    assert.deepEqual(parsed.assertions[0], {
      type: 'heartbeat',
      expected: { periodSeconds: 10, graceSeconds: 2 },
      actual: { lastPingAt: null },
      passed: false,
    });
  });
});
