import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BlockedReason, blockedAddressReason } from './target-guard';

describe('blockedAddressReason', () => {
  const cases: [string, BlockedReason | null][] = [
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', null],
    ['192.168.1.1', 'private'],
    ['192.169.0.1', null],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['100.128.0.1', null],
    ['0.0.0.0', 'unspecified'],
    ['8.8.8.8', null],
    ['93.184.215.14', null],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', null],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2606:4700:4700::1111', null],
    ['2001:db8::1', null],
  ];
  for (const [address, reason] of cases) {
    it(`should call ${address} ${reason ?? 'allowed'}`, () => {
      assert.equal(blockedAddressReason(address), reason);
    });
  }

  it('should refuse a host name, since only resolved addresses can be judged', () => {
    assert.throws(() => blockedAddressReason('localhost'), TypeError);
  });
});
