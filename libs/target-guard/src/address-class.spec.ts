import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BlockedReason, blockedAddressReason } from './address-class';

describe('blockedAddressReason', () => {
  const cases: [string, BlockedReason | null, string][] = [
    // IPv4
    ['0.0.0.0', 'unspecified', 'this host, 0.0.0.0/8'],
    ['0.1.2.3', 'unspecified', 'this network, 0.0.0.0/8'],
    ['10.1.2.3', 'private', 'RFC 1918 10/8'],
    ['172.16.0.1', 'private', 'RFC 1918 172.16/12'],
    ['172.31.255.255', 'private', 'RFC 1918 172.16/12, last'],
    ['172.32.0.1', null, 'just past 172.16/12'],
    ['192.168.1.1', 'private', 'RFC 1918 192.168/16'],
    ['192.169.0.1', null, 'just past 192.168/16'],
    ['127.0.0.1', 'loopback', '127/8'],
    ['127.0.0.2', 'loopback', '127/8, not only .1'],
    ['127.255.255.254', 'loopback', '127/8, last'],
    ['169.254.1.1', 'link-local', '169.254/16'],
    ['100.64.0.1', 'carrier-grade NAT', '100.64/10'],
    ['100.127.255.255', 'carrier-grade NAT', '100.64/10, last'],
    ['100.128.0.1', null, 'just past 100.64/10'],
    ['192.0.0.1', 'reserved', 'IETF protocol assignments 192.0.0.0/24'],
    ['192.0.0.255', 'reserved', '192.0.0.0/24, last'],
    ['192.0.2.10', 'reserved', 'TEST-NET-1 192.0.2.0/24'],
    ['198.51.100.7', 'reserved', 'TEST-NET-2 198.51.100.0/24'],
    ['203.0.113.9', 'reserved', 'TEST-NET-3 203.0.113.0/24'],
    ['198.18.0.1', 'reserved', 'benchmarking 198.18.0.0/15'],
    ['198.19.255.254', 'reserved', 'benchmarking 198.18.0.0/15, last'],
    ['198.20.0.1', null, 'just past 198.18.0.0/15'],
    ['192.88.99.1', 'reserved', '6to4 relay anycast 192.88.99.0/24'],
    ['192.31.196.1', 'reserved', 'AS112 192.31.196.0/24'],
    ['192.52.193.1', 'reserved', 'AMT 192.52.193.0/24'],
    ['224.0.0.1', 'multicast', '224/4'],
    ['240.0.0.1', 'reserved', 'class E 240/4'],
    ['255.255.255.255', 'broadcast', 'limited broadcast'],
    ['8.8.8.8', null, 'public'],
    ['93.184.215.14', null, 'public'],
    // Cloud metadata, refused as such rather than as link-local or CGNAT
    ['169.254.169.254', 'cloud metadata', 'AWS, GCP, Azure metadata'],
    ['100.100.100.200', 'cloud metadata', 'Alibaba metadata'],
    ['fd00:ec2::254', 'cloud metadata', 'AWS metadata over IPv6'],
    ['fd00:ec2:0:0::254', 'cloud metadata', 'AWS metadata over IPv6, long form'],
    // IPv6
    ['::1', 'loopback', '::1'],
    ['[::1]', 'loopback', 'bracketed as in a URL'],
    ['::', 'unspecified', '::'],
    ['fc00::1', 'private', 'unique local fc00::/7'],
    ['fd12:3456::1', 'private', 'unique local fc00::/7'],
    ['fec0::1', 'private', 'deprecated site-local'],
    ['fe80::1', 'link-local', 'fe80::/10'],
    ['fe80::1%eth0', 'link-local', 'with a zone id'],
    ['ff02::1', 'multicast', 'ff00::/8'],
    ['2001:db8::1', 'reserved', 'documentation 2001:db8::/32'],
    ['2001:2::1', 'reserved', 'benchmarking 2001:2::/48'],
    ['2001::1', 'reserved', 'Teredo 2001::/32, which hides its IPv4 endpoints'],
    ['100::1', 'reserved', 'discard 100::/64'],
    ['::ffff:0:7f00:1', 'reserved', 'IPv4-translated ::ffff:0:0:0/96'],
    ['64:ff9b:1::a00:1', 'reserved', 'local-use NAT64 64:ff9b:1::/48'],
    ['64:ff9b:1:ffff::808:808', 'reserved', 'local-use NAT64, public-looking tail'],
    ['::7f00:1', 'reserved', 'deprecated IPv4-compatible ::/96'],
    ['4000::1', 'reserved', 'outside global unicast 2000::/3'],
    ['2606:4700:4700::1111', null, 'public'],
    ['2a00:1450:4001::200e', null, 'public'],
    // IPv4-mapped ::ffff:0:0/96: judged by the IPv4 address inside
    ['::ffff:127.0.0.1', 'loopback', 'IPv4-mapped, dotted'],
    ['::ffff:7f00:1', 'loopback', 'IPv4-mapped, hex'],
    ['::ffff:10.0.0.1', 'private', 'IPv4-mapped private'],
    ['::ffff:192.0.2.1', 'reserved', 'IPv4-mapped documentation'],
    ['::ffff:169.254.169.254', 'cloud metadata', 'IPv4-mapped metadata'],
    ['::ffff:8.8.8.8', null, 'IPv4-mapped public'],
    // Well-known NAT64 64:ff9b::/96: judged by the IPv4 address inside
    ['64:ff9b::7f00:1', 'loopback', 'NAT64 of 127.0.0.1'],
    ['64:ff9b::a9fe:a9fe', 'cloud metadata', 'NAT64 of 169.254.169.254'],
    ['64:ff9b::c0a8:101', 'private', 'NAT64 of 192.168.1.1'],
    ['64:ff9b::808:808', null, 'NAT64 of 8.8.8.8'],
    // 6to4 2002::/16: judged by the IPv4 address in bits 16-47
    ['2002:7f00:1::1', 'loopback', '6to4 of 127.0.0.1'],
    ['2002:a00:1::', 'private', '6to4 of 10.0.0.1'],
    ['2002:a9fe:a9fe::1', 'cloud metadata', '6to4 of 169.254.169.254'],
    ['2002:c612:1::1', 'reserved', '6to4 of 198.18.0.1'],
    ['2002:808:808::1', null, '6to4 of 8.8.8.8'],
  ];
  for (const [address, reason, what] of cases) {
    it(`should call ${address} (${what}) ${reason ?? 'allowed'}`, () => {
      assert.equal(blockedAddressReason(address), reason);
    });
  }

  it('should refuse a host name, since only resolved addresses can be judged', () => {
    assert.throws(() => blockedAddressReason('localhost'), TypeError);
    // Node never dials these forms; a URL parser turns them into dotted quads first.
    assert.throws(() => blockedAddressReason('2130706433'), TypeError);
    assert.throws(() => blockedAddressReason('127.1'), TypeError);
  });
});
