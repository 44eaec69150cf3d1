import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResolverAddress } from './dns-monitor';
import {
  crossFieldErrors,
  monitorSpecFromCreate,
  monitorSpecWithPatch,
  validateMonitorCreate,
} from './monitor';
import type { FieldError } from './problem';

const dnsMonitor = {
  name: 'Shop DNS',
  type: 'dns',
  url: 'dns://Shop.Example.COM.',
  dns: { recordType: 'A', resolver: '1.1.1.1', expected: ['192.0.2.10'] },
};

function errorsOf(body: unknown): FieldError[] {
  const validated = validateMonitorCreate(body);
  assert.ok(!validated.ok, 'expected a refusal');
  return validated.errors;
}

function fieldsOf(body: unknown): string[] {
  return errorsOf(body).map((e) => e.field);
}

describe('dns monitors: validation', () => {
  it('should accept a dns monitor, normalising its name and resolver', () => {
    const validated = validateMonitorCreate(dnsMonitor);
    assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
    assert.equal(validated.value.url, 'dns://shop.example.com');
    assert.deepEqual(validated.value.dns, {
      recordType: 'A',
      resolver: '1.1.1.1:53',
      expected: ['192.0.2.10'],
    });
    // The HTTP fields keep their defaults, which no check reads.
    assert.equal(validated.value.method, 'GET');
  });

  it('should default the resolver to the prober’s own and expected to none', () => {
    const validated = validateMonitorCreate({ ...dnsMonitor, dns: { recordType: 'TXT' } });
    assert.ok(validated.ok);
    assert.deepEqual(validated.value.dns, { recordType: 'TXT', resolver: null, expected: [] });
  });

  it('should give other monitors dns null', () => {
    const validated = validateMonitorCreate({ name: 'Web', url: 'https://example.com/' });
    assert.ok(validated.ok);
    assert.equal(validated.value.dns, null);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['a dns monitor without dns settings', { dns: undefined }, 'dns'],
    ['an http URL on a dns monitor', { url: 'https://example.com/' }, 'url'],
    ['a dns URL with a port', { url: 'dns://example.com:53' }, 'url'],
    ['a dns URL with a path', { url: 'dns://example.com/x' }, 'url'],
    ['a dns name with a bad label', { url: 'dns://-bad.example.com' }, 'url'],
    [
      'a dns name over 253 characters',
      { url: `dns://${'a'.repeat(60)}.`.repeat(5) + 'com' },
      'url',
    ],
    ['an unknown record type', { dns: { recordType: 'SRV' } }, 'dns.recordType'],
    [
      'a resolver given by name',
      { dns: { recordType: 'A', resolver: 'dns.google:53' } },
      'dns.resolver',
    ],
    [
      'a resolver port out of range',
      { dns: { recordType: 'A', resolver: '1.1.1.1:70000' } },
      'dns.resolver',
    ],
    [
      'an IPv6 resolver with a port but no brackets',
      { dns: { recordType: 'A', resolver: '::1:53:x' } },
      'dns.resolver',
    ],
    ['an unknown dns field', { dns: { recordType: 'A', server: '1.1.1.1' } }, 'dns.server'],
    [
      'an IPv6 value expected of an A record',
      { dns: { recordType: 'A', expected: ['::1'] } },
      'dns.expected[0]',
    ],
    [
      'an IPv4 value expected of an AAAA record',
      { dns: { recordType: 'AAAA', expected: ['1.2.3.4'] } },
      'dns.expected[0]',
    ],
    [
      'a non-name expected of a CNAME',
      { dns: { recordType: 'CNAME', expected: ['not a name'] } },
      'dns.expected[0]',
    ],
    [
      'too many expected values',
      { dns: { recordType: 'TXT', expected: Array(21).fill('x') } },
      'dns.expected',
    ],
    [
      'an expected value too long',
      { dns: { recordType: 'TXT', expected: ['x'.repeat(1025)] } },
      'dns.expected[0]',
    ],
  ];
  for (const [what, change, field] of bad) {
    it(`should refuse ${what}, naming ${field}`, () => {
      assert.ok(
        fieldsOf({ ...dnsMonitor, ...change }).includes(field),
        JSON.stringify(errorsOf({ ...dnsMonitor, ...change })),
      );
    });
  }

  it('should name every HTTP-only field set on a dns monitor', () => {
    const fields = fieldsOf({
      ...dnsMonitor,
      method: 'POST',
      headers: { 'x-a': '1' },
      body: '{}',
      expectedStatus: ['200'],
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

  it('should take an HTTP-only field at its default as left out (the spec is validated again)', () => {
    const spec = validateMonitorCreate(dnsMonitor);
    assert.ok(spec.ok);
    assert.ok(validateMonitorCreate(spec.value).ok);
  });

  it('should refuse dns settings on an http monitor, and a dns URL without type dns', () => {
    assert.deepEqual(
      fieldsOf({ name: 'Web', url: 'https://example.com/', dns: { recordType: 'A' } }),
      ['dns'],
    );
    assert.deepEqual(fieldsOf({ name: 'Web', url: 'dns://example.com' }), ['url']);
  });

  it('should refuse a patch that turns an http monitor with headers into a dns one', () => {
    const http = monitorSpecFromCreate({
      name: 'Web',
      url: 'https://example.com/',
      headers: { a: 'b' },
    });
    const merged = monitorSpecWithPatch(http, {
      type: 'dns',
      url: 'dns://example.com',
      dns: { recordType: 'A', resolver: null, expected: [] },
    });
    assert.deepEqual(
      crossFieldErrors(merged).map((e) => e.field),
      ['headers'],
    );
  });
});

describe('parseResolverAddress', () => {
  const cases: [string, { host: string; port: number } | null][] = [
    ['1.1.1.1', { host: '1.1.1.1', port: 53 }],
    ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['[2606:4700:4700::1111]:53', { host: '2606:4700:4700::1111', port: 53 }],
    ['[::1]', { host: '::1', port: 53 }],
    ['::1', { host: '::1', port: 53 }],
    ['dns.google', null],
    ['1.1.1.1:0', null],
    ['[1.1.1.1]:53', null],
    ['300.1.1.1', null],
  ];
  for (const [text, expected] of cases) {
    it(`should read ${JSON.stringify(text)} as ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(parseResolverAddress(text), expected);
    });
  }
});
