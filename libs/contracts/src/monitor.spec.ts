import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  crossFieldErrors,
  defaultTimeoutMs,
  monitorSpecFromCreate,
  monitorSpecWithPatch,
  parseStatusPattern,
  statusMatches,
  validateMonitorCreate,
  validateMonitorPatch,
} from './monitor';

describe('parseStatusPattern', () => {
  const cases: [string, { min: number; max: number } | null][] = [
    ['200', { min: 200, max: 200 }],
    ['2xx', { min: 200, max: 299 }],
    ['5XX', { min: 500, max: 599 }],
    ['200-299', { min: 200, max: 299 }],
    [' 404 ', { min: 404, max: 404 }],
    ['099', null],
    ['600', null],
    ['6xx', null],
    ['300-200', null],
    ['2xx-3xx', null],
    ['', null],
    ['20', null],
  ];
  for (const [pattern, expected] of cases) {
    it(`should read ${JSON.stringify(pattern)} as ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(parseStatusPattern(pattern), expected);
    });
  }

  it('should match a status against any of the patterns', () => {
    assert.equal(statusMatches(['200-299', '301'], 204), true);
    assert.equal(statusMatches(['200-299', '301'], 301), true);
    assert.equal(statusMatches(['200-299', '301'], 302), false);
  });
});

describe('validateMonitorCreate', () => {
  it('should normalise the URL and fill defaults', () => {
    const result = validateMonitorCreate({ name: ' api ', url: 'HTTPS://Example.COM:443/a?b=1' });
    assert.ok(result.ok);
    assert.equal(result.value.url, 'https://example.com/a?b=1');
    assert.equal(result.value.name, 'api');
    assert.equal(result.value.timeoutMs, 10_000);
  });

  it('should derive a timeout below a short interval', () => {
    assert.equal(defaultTimeoutMs(10), 8000);
    assert.equal(defaultTimeoutMs(60), 10_000);
    const result = validateMonitorCreate({ name: 'a', url: 'http://a.test', intervalSeconds: 10 });
    assert.ok(result.ok);
    assert.equal(result.value.timeoutMs, 8000);
  });

  it('should drop repeated channel ids and regions', () => {
    const id = '6f1c3c3e-8a0e-4f55-9a7e-3b0f7c2d9e11';
    const result = validateMonitorCreate({
      name: 'a',
      url: 'http://a.test',
      channelIds: [id, id],
      regions: ['eu', 'eu'],
    });
    assert.ok(result.ok);
    assert.deepEqual(result.value.channelIds, [id]);
    assert.deepEqual(result.value.regions, ['eu']);
  });

  it('should refuse a body that is not an object', () => {
    for (const body of [null, [], 'x', 42]) {
      const result = validateMonitorCreate(body);
      assert.equal(result.ok, false, JSON.stringify(body));
    }
  });
});

describe('validateMonitorPatch', () => {
  it('should accept an empty patch and explicit nulls that clear fields', () => {
    assert.deepEqual(validateMonitorPatch({}), { ok: true, value: {} });
    const cleared = validateMonitorPatch({ keyword: null, maxLatencyMs: null, body: null });
    assert.ok(cleared.ok);
    assert.deepEqual(cleared.value, { keyword: null, maxLatencyMs: null, body: null });
  });

  it('should not fill defaults into a patch', () => {
    const result = validateMonitorPatch({ alertPolicy: { windowSize: 5 } });
    assert.ok(result.ok);
    assert.deepEqual(result.value, { alertPolicy: { windowSize: 5 } });
  });
});

describe('crossFieldErrors', () => {
  const spec = monitorSpecFromCreate({ name: 'a', url: 'http://a.test/' });

  it('should find nothing wrong with the defaults', () => {
    assert.deepEqual(crossFieldErrors(spec), []);
  });

  it('should check a merged patch against the stored spec', () => {
    const merged = monitorSpecWithPatch(spec, {
      intervalSeconds: 10,
      alertPolicy: { failuresToOpen: 2 },
    });
    assert.deepEqual(
      crossFieldErrors(merged).map((e) => e.field),
      ['timeoutMs', 'alertPolicy.failuresToOpen'],
    );
    assert.equal(merged.alertPolicy.successesToResolve, 1, 'other policy fields are kept');
  });
});
