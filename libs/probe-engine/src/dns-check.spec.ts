import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DnsRecordType } from '@uptime/contracts';
import { TargetPolicy } from '@uptime/target-guard';
import { TestDnsServer } from '../../../test/support/dns-server';
import { probeSpecFixture } from '../../../test/support/factories';
import { type DnsCheckOptions, runDnsCheck } from './dns-check';

const ALLOW_LOOPBACK: DnsCheckOptions = { targets: new TargetPolicy({ allowPrivate: true }) };

describe('runDnsCheck', () => {
  let server: TestDnsServer;

  before(async () => {
    server = await TestDnsServer.start();
    server
      .set('shop.example.test', {
        records: {
          A: ['192.0.2.10', '192.0.2.11'],
          AAAA: ['2001:db8::10'],
          MX: [
            { priority: 10, exchange: 'mx1.example.test' },
            { priority: 20, exchange: 'mx2.example.test' },
          ],
          TXT: [['v=spf1 ', '-all'], ['site-verification=abc']],
          NS: ['ns1.example.test', 'ns2.example.test'],
        },
      })
      .set('www.example.test', { records: { CNAME: ['shop.example.test'] } })
      .set('broken.example.test', 'servfail')
      .set('slow.example.test', 'silent');
  });
  after(() => server.close());

  /** A dns check of `name` at the test server. */
  function check(
    name: string,
    recordType: DnsRecordType,
    expected: string[] = [],
    more: { timeoutMs?: number; maxLatencyMs?: number } = {},
  ) {
    const spec = probeSpecFixture({
      type: 'dns',
      url: `dns://${name}`,
      dns: { recordType, resolver: server.address, expected },
      intervalSeconds: 60,
      ...more,
    });
    return runDnsCheck(spec, ALLOW_LOOPBACK);
  }

  const answersByType: [DnsRecordType, string[], string[]][] = [
    ['A', ['192.0.2.11'], ['192.0.2.10', '192.0.2.11']],
    ['AAAA', ['2001:0DB8:0:0::10'], ['2001:db8::10']],
    [
      'MX',
      ['mx2.example.test', '10 MX1.example.test.'],
      ['10 mx1.example.test', '20 mx2.example.test'],
    ],
    ['TXT', ['v=spf1 -all'], ['v=spf1 -all', 'site-verification=abc']],
    ['NS', ['ns1.example.test'], ['ns1.example.test', 'ns2.example.test']],
  ];
  for (const [recordType, expected, answers] of answersByType) {
    it(`is up when the ${recordType} answers include every expected value, and lists them`, async () => {
      const result = await check('shop.example.test', recordType, expected);
      assert.equal(result.outcome, 'up', result.message ?? '');
      assert.equal(result.errorKind, null);
      assert.deepEqual([...(result.assertions[0]?.actual as string[])].sort(), [...answers].sort());
      assert.deepEqual(result.assertions[0], {
        type: 'dns_answer',
        target: recordType,
        expected,
        actual: result.assertions[0]?.actual,
        passed: true,
      });
      for (const answer of answers) assert.match(result.message ?? '', new RegExp(escape(answer)));
      assert.ok(result.latencyMs > 0);
      assert.equal(result.timings.dnsMs, result.latencyMs);
      assert.equal(result.httpStatus, null);
    });
  }

  it('answers a CNAME question with the target of the alias', async () => {
    const result = await check('www.example.test', 'CNAME', ['shop.example.test']);
    assert.equal(result.outcome, 'up', result.message ?? '');
    assert.deepEqual(result.assertions[0]?.actual, ['shop.example.test']);
  });

  it('is up with any answer when nothing is expected', async () => {
    const result = await check('shop.example.test', 'A');
    assert.equal(result.outcome, 'up');
    assert.equal(result.message, 'A shop.example.test: 192.0.2.10, 192.0.2.11');
  });

  it('is down with errorKind assertion when an expected value is missing', async () => {
    const result = await check('shop.example.test', 'A', ['192.0.2.10', '192.0.2.99']);
    assert.equal(result.outcome, 'down');
    assert.equal(result.errorKind, 'assertion');
    assert.match(result.message ?? '', /expected 192\.0\.2\.99 not among the answers/);
    assert.equal(result.assertions[0]?.passed, false);
  });

  it('is down with errorKind dns on NXDOMAIN', async () => {
    const result = await check('missing.example.test', 'A');
    assert.equal(result.outcome, 'down');
    assert.equal(result.errorKind, 'dns');
    assert.match(result.message ?? '', /NXDOMAIN/);
    assert.deepEqual(result.assertions, [
      { type: 'dns_answer', target: 'A', expected: [], actual: 'ENOTFOUND', passed: false },
    ]);
  });

  it('is down with errorKind dns on SERVFAIL', async () => {
    const result = await check('broken.example.test', 'A');
    assert.equal(result.errorKind, 'dns');
    assert.match(result.message ?? '', /SERVFAIL/);
  });

  it('is down with errorKind dns when the name has no record of the type', async () => {
    const result = await check('www.example.test', 'MX');
    assert.equal(result.errorKind, 'dns');
    assert.match(result.message ?? '', /no record of this type/);
  });

  it('times out at the monitor timeout when the resolver does not answer', async () => {
    const result = await check('slow.example.test', 'A', [], { timeoutMs: 300 });
    assert.equal(result.outcome, 'down');
    assert.equal(result.errorKind, 'timeout');
    assert.match(result.message ?? '', /timed out after 300 ms/);
    assert.deepEqual(result.assertions, [
      { type: 'latency', target: 'dns', expected: 300, passed: false },
    ]);
    assert.ok(result.latencyMs >= 250 && result.latencyMs < 2000, `${result.latencyMs}`);
  });

  it('is degraded when the answer is right but slower than maxLatencyMs', async () => {
    // No answer comes faster than 0 ms, so a 1 ms limit is hard to meet; tolerate a fast host.
    const result = await check('shop.example.test', 'A', [], { maxLatencyMs: 1 });
    if (result.latencyMs <= 1) return;
    assert.equal(result.outcome, 'degraded');
    assert.equal(result.errorKind, null);
    assert.equal(result.assertions[1]?.type, 'latency');
  });

  it('refuses a resolver on a private address unless private targets are allowed', async () => {
    const spec = probeSpecFixture({
      type: 'dns',
      url: 'dns://shop.example.test',
      dns: { recordType: 'A', resolver: server.address, expected: [] },
    });
    const blocked: string[] = [];
    const result = await runDnsCheck(spec, {
      targets: TargetPolicy.PUBLIC_ONLY,
      onBlocked: (reason) => blocked.push(reason),
    });
    assert.equal(result.outcome, 'down');
    assert.equal(result.errorKind, 'blocked_target');
    assert.match(result.message ?? '', /resolver 127\.0\.0\.1 is a loopback address/);
    assert.deepEqual(blocked, ['loopback']);
    const queried = server.queries.length;
    const allowed = await runDnsCheck(spec, {
      targets: new TargetPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] }),
    });
    assert.equal(allowed.outcome, 'up');
    assert.equal(server.queries.length, queried + 1);
  });

  it('ends as prober_error when the prober cancels it', async () => {
    const spec = probeSpecFixture({
      type: 'dns',
      url: 'dns://slow.example.test',
      dns: { recordType: 'A', resolver: server.address, expected: [] },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await runDnsCheck(spec, { ...ALLOW_LOOPBACK, signal: controller.signal });
    assert.equal(result.errorKind, 'prober_error');
  });

  it('refuses to run a spec of another type', async () => {
    await assert.rejects(runDnsCheck(probeSpecFixture(), ALLOW_LOOPBACK), TypeError);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
