import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  crossFieldErrors,
  defaultTimeoutMs,
  MAX_BODY_BYTES,
  MAX_HEADERS_BYTES,
  monitorSpecFromCreate,
  monitorSpecWithPatch,
  parseStatusPattern,
  statusMatches,
  validateMonitorCreate,
  validateMonitorPatch,
  escalationChannelIds,
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

describe('monitor size bounds', () => {
  const post = { name: 'Import API', url: 'https://api.example.test/import', method: 'POST' };
  const headers = (count: number, valueBytes: number) =>
    Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`x-h-${i}`, 'v'.repeat(valueBytes)]),
    );
  const refused: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'sixty headers of 8 KB (~560 KB with a 64 KB body)',
      { ...post, body: 'b'.repeat(MAX_BODY_BYTES), headers: headers(60, 8192) },
      'headers',
      /bytes in all \(names and values\), above the 32768 allowed/,
    ],
    ['more headers than allowed', { ...post, headers: headers(65, 1) }, 'headers', /at most 64/],
    [
      'a header value of 8 KB counted in bytes, not characters',
      { ...post, headers: { 'x-accent': 'é'.repeat(4097) } },
      'headers.x-accent',
      /at most 8192 bytes/,
    ],
    [
      'a body within 64 KB that JSON escaping takes past the whole-monitor bound',
      { ...post, body: '\u0001'.repeat(60_000) },
      'body',
      /makes the monitor \d+ bytes as JSON, above the 131072/,
    ],
  ];
  for (const [what, body, field, message] of refused) {
    it(`should refuse ${what}, naming ${field}`, () => {
      const result = validateMonitorCreate(body);
      assert.equal(result.ok, false);
      const error = !result.ok ? result.errors.find((e) => e.field === field) : undefined;
      assert.ok(error, JSON.stringify(!result.ok && result.errors));
      assert.match(error.message, message);
    });
  }

  it('should accept a monitor at every bound at once', () => {
    const result = validateMonitorCreate({
      ...post,
      body: 'b'.repeat(MAX_BODY_BYTES),
      headers: headers(16, MAX_HEADERS_BYTES / 16 - 'x-h-00'.length),
    });
    assert.equal(result.ok, true, JSON.stringify(!result.ok && result.errors));
    assert.ok(result.ok && Buffer.byteLength(JSON.stringify(result.value)) > 96 * 1024);
  });

  it('should refuse a patch that takes the merged monitor past the whole-monitor bound', () => {
    const stored = monitorSpecFromCreate({ ...post, method: 'POST', headers: headers(4, 8000) });
    const patch = validateMonitorPatch({ body: '"'.repeat(50_000) });
    assert.ok(patch.ok);
    const errors = crossFieldErrors(monitorSpecWithPatch(stored, patch.value));
    assert.deepEqual(
      errors.map((e) => e.field),
      ['body'],
    );
  });
});

describe('tcp monitors', () => {
  const tcp = { name: 'db', type: 'tcp', url: 'tcp://db.example.test:5432' };

  function fieldsRefused(body: unknown): string[] {
    const result = validateMonitorCreate(body);
    return result.ok ? [] : result.errors.map((e) => e.field);
  }

  it('should accept tcp://host:port and tls://host:port, in one normal form', () => {
    for (const [url, normal] of [
      ['tcp://DB.Example.test:5432', 'tcp://db.example.test:5432'],
      ['tls://mail.example.test:465', 'tls://mail.example.test:465'],
      ['tcp://10.0.0.7:6379', 'tcp://10.0.0.7:6379'],
      ['tcp://[::1]:22', 'tcp://[::1]:22'],
    ]) {
      const result = validateMonitorCreate({ ...tcp, url });
      assert.ok(result.ok, `${url}: ${JSON.stringify(!result.ok && result.errors)}`);
      assert.equal(result.value.url, normal);
      assert.equal(result.value.method, 'GET');
      assert.equal(result.value.tls, null);
    }
  });

  const badUrls: [string, string, RegExp][] = [
    ['no port', 'tcp://db.example.test', /port \(1 to 65535\) is missing/],
    ['port 0', 'tcp://db.example.test:0', /port must be 1 to 65535/],
    ['a port above 65535', 'tcp://db.example.test:65536', /the port 1 to 65535/],
    ['a path', 'tcp://db.example.test:5432/x', /without a path/],
    ['a query', 'tcp://db.example.test:5432?x=1', /without a path, query or fragment/],
    ['a user', 'tcp://me@db.example.test:5432', /without user or password/],
    ['a host that is not a name', 'tcp://a_b!:5432', /not a host name or IP address/],
    ['an https url', 'https://db.example.test/', /tcp:\/\/ or tls:\/\/ URL for a tcp monitor/],
    ['an unknown scheme', 'smtp://db.example.test:25', /must use one of the schemes/],
  ];
  for (const [what, url, message] of badUrls) {
    it(`should refuse a url with ${what}, naming url`, () => {
      const result = validateMonitorCreate({ ...tcp, url });
      assert.ok(!result.ok);
      assert.deepEqual(
        result.errors.map((e) => e.field),
        ['url'],
      );
      assert.match(result.errors[0]!.message, message);
    });
  }

  it('should refuse a tcp:// url on an http monitor, naming url', () => {
    assert.deepEqual(fieldsRefused({ name: 'x', url: 'tcp://db.example.test:5432' }), ['url']);
  });

  it('should refuse every http-only field set on a tcp monitor, naming each', () => {
    const fields = fieldsRefused({
      ...tcp,
      method: 'POST',
      headers: { 'X-A': '1' },
      body: 'x',
      expectedStatus: ['201'],
      followRedirects: false,
      keyword: 'ok',
      assertions: [{ type: 'jsonPath', path: '$.a', operator: 'exists' }],
    });
    assert.deepEqual(fields.sort(), [
      'assertions',
      'body',
      'expectedStatus',
      'followRedirects',
      'headers',
      'keyword',
      'method',
    ]);
  });

  it('should keep maxLatencyMs, which bounds the connect time', () => {
    assert.deepEqual(fieldsRefused({ ...tcp, maxLatencyMs: 200 }), []);
  });

  it('should take the tls option on a tls:// monitor only', () => {
    const allow = { tls: { allowInvalidCertificate: true } };
    const result = validateMonitorCreate({ ...tcp, url: 'tls://db.example.test:5433', ...allow });
    assert.ok(result.ok);
    assert.deepEqual(result.value.tls, { allowInvalidCertificate: true });
    assert.deepEqual(fieldsRefused({ ...tcp, ...allow }), ['tls']);
    assert.deepEqual(fieldsRefused({ name: 'x', url: 'https://a.example.test/', ...allow }), [
      'tls',
    ]);
    assert.deepEqual(fieldsRefused({ ...tcp, tls: { allowInvalidCertificate: 'yes' } }), [
      'tls.allowInvalidCertificate',
    ]);
    assert.deepEqual(fieldsRefused({ ...tcp, tls: { verify: false } }).sort(), [
      'tls.allowInvalidCertificate',
      'tls.verify',
    ]);
  });

  it('should refuse a patch that turns an http monitor into a tcp one without its url', () => {
    const stored = monitorSpecFromCreate({ name: 'x', url: 'https://a.example.test/' });
    const patch = validateMonitorPatch({ type: 'tcp' });
    assert.ok(patch.ok);
    const errors = crossFieldErrors(monitorSpecWithPatch(stored, patch.value));
    assert.deepEqual(
      errors.map((e) => e.field),
      ['url'],
    );
  });
});

describe('alertPolicy.escalation', () => {
  const A = '7f1c3c1e-2f47-4d8e-9a53-0d6b0f7e6a11';
  const B = '0c6d3a8e-5b1f-4c2a-8e7d-9f4b2a1c3d5e';
  const withSteps = (escalation: unknown) =>
    validateMonitorCreate({
      name: 'x',
      url: 'https://a.example.test/',
      alertPolicy: { escalation },
    });
  const refused = (escalation: unknown) => {
    const result = withSteps(escalation);
    assert.ok(!result.ok, 'refused');
    return result.errors.map((e) => e.field);
  };

  it('should default to no steps, and keep steps given in increasing afterMinutes', () => {
    const plain = validateMonitorCreate({ name: 'x', url: 'https://a.example.test/' });
    assert.ok(plain.ok);
    assert.deepEqual(plain.value.alertPolicy.escalation, []);
    const steps = [
      { afterMinutes: 10, channelIds: [A] },
      { afterMinutes: 10080, channelIds: [A, B] },
    ];
    const result = withSteps(steps);
    assert.ok(result.ok);
    assert.deepEqual(result.value.alertPolicy.escalation, steps);
    assert.deepEqual(escalationChannelIds(result.value.alertPolicy), [A, B]);
  });

  it('should refuse afterMinutes out of 1..10080 or not whole, naming the step', () => {
    for (const bad of [0, 10081, 1.5, '5', null]) {
      assert.deepEqual(refused([{ afterMinutes: bad, channelIds: [A] }]), [
        'alertPolicy.escalation[0].afterMinutes',
      ]);
    }
  });

  it('should refuse steps out of order or repeating a delay, naming the later one', () => {
    const steps = [
      { afterMinutes: 30, channelIds: [A] },
      { afterMinutes: 10, channelIds: [B] },
      { afterMinutes: 10, channelIds: [B] },
    ];
    assert.deepEqual(refused(steps), [
      'alertPolicy.escalation[1].afterMinutes',
      'alertPolicy.escalation[2].afterMinutes',
    ]);
  });

  it('should refuse more than 5 steps, a step without channels, bad ids and unknown fields', () => {
    const six = [1, 2, 3, 4, 5, 6].map((afterMinutes) => ({ afterMinutes, channelIds: [A] }));
    assert.deepEqual(refused(six), ['alertPolicy.escalation']);
    assert.deepEqual(refused([{ afterMinutes: 5, channelIds: [] }]), [
      'alertPolicy.escalation[0].channelIds',
    ]);
    assert.deepEqual(refused([{ afterMinutes: 5, channelIds: ['nope'] }]), [
      'alertPolicy.escalation[0].channelIds[0]',
    ]);
    const many = Array.from({ length: 21 }, () => A);
    assert.deepEqual(refused([{ afterMinutes: 5, channelIds: many }]), [
      'alertPolicy.escalation[0].channelIds',
    ]);
    assert.deepEqual(refused([{ afterMinutes: 5, channelIds: [A], after: 1 }]), [
      'alertPolicy.escalation[0].after',
    ]);
    assert.deepEqual(refused({ afterMinutes: 5 }), ['alertPolicy.escalation']);
  });

  it('should replace the whole list on a patch, keeping the other policy fields', () => {
    const stored = monitorSpecFromCreate({
      name: 'x',
      url: 'https://a.example.test/',
      alertPolicy: { renotifyMinutes: 30, escalation: [{ afterMinutes: 5, channelIds: [A] }] },
    });
    const patch = validateMonitorPatch({ alertPolicy: { escalation: [] } });
    assert.ok(patch.ok);
    const merged = monitorSpecWithPatch(stored, patch.value);
    assert.deepEqual(merged.alertPolicy.escalation, []);
    assert.equal(merged.alertPolicy.renotifyMinutes, 30);
  });
});
