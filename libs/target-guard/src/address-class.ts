import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** Why an address is off limits to the platform's outbound requests (probes and channels). */
export type BlockedReason =
  | 'cloud metadata'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unspecified'
  | 'carrier-grade NAT'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

/** ipaddr.js range names in the words an operator reads; every other non-unicast range is reserved. */
const RANGE_REASONS: Readonly<Record<string, BlockedReason>> = {
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private',
  deprecatedSiteLocal: 'private',
  linkLocal: 'link-local',
  unspecified: 'unspecified',
  carrierGradeNat: 'carrier-grade NAT',
  multicast: 'multicast',
  broadcast: 'broadcast',
};

/**
 * Instance metadata services hand out cloud credentials to whoever asks from inside the host:
 * AWS, GCP, Azure and OpenStack at 169.254.169.254 (AWS also over IPv6), Alibaba at
 * 100.100.100.200. No setting lets a request reach them.
 */
const CLOUD_METADATA = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'].map((a) =>
  ipaddr.parse(a).toNormalizedString(),
);

/** IANA's global unicast space; the rest of IPv6 outside the special ranges is unassigned. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
/** The well-known NAT64 prefix (RFC 6052), the only NAT64 form whose embedded IPv4 is known. */
const WELL_KNOWN_NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Parses an IP address as Node writes it (`[::1]`, a zone id, dotted IPv4). Host names throw:
 * only a resolved address can be judged.
 */
export function parseAddress(address: string): IpAddress {
  const text = address.replace(/^\[|\]$/g, '');
  if (isIP(text.split('%')[0]!) === 0) throw new TypeError(`not an IP address: ${address}`);
  return ipaddr.parse(text);
}

/**
 * The address a packet to `ip` really reaches: the IPv4 address inside an IPv4-mapped,
 * well-known NAT64 or 6to4 address, otherwise `ip` itself.
 */
export function effectiveAddress(ip: IpAddress): IpAddress {
  if (!(ip instanceof ipaddr.IPv6)) return ip;
  if (ip.isIPv4MappedAddress() || ip.match(WELL_KNOWN_NAT64)) {
    return lastIpv4(ip.parts[6]!, ip.parts[7]!);
  }
  // 6to4 (RFC 3056): 2002:AABB:CCDD::/48 is the site behind IPv4 address AA.BB.CC.DD.
  if (ip.range() === '6to4') return lastIpv4(ip.parts[1]!, ip.parts[2]!);
  return ip;
}

export function isCloudMetadata(ip: IpAddress): boolean {
  return CLOUD_METADATA.includes(ip.toNormalizedString());
}

/**
 * Says why `address` must not be contacted when private targets are not allowed, or null when
 * it is public unicast. Anything ipaddr.js does not class as `unicast` is refused (documentation,
 * benchmarking, Teredo, local-use NAT64 and the rest), so a range it learns about later is
 * refused too. Callers pass the address about to be dialled (after DNS), so a name that resolves
 * to 127.0.0.1 is caught as well as the literal.
 */
export function blockedAddressReason(address: string): BlockedReason | null {
  return classify(effectiveAddress(parseAddress(address)));
}

/** The same judgement on an address already parsed and unwrapped by `effectiveAddress`. */
export function classify(ip: IpAddress): BlockedReason | null {
  if (isCloudMetadata(ip)) return 'cloud metadata';
  const range = ip.range();
  if (range !== 'unicast') return RANGE_REASONS[range] ?? 'reserved';
  if (ip.kind() === 'ipv6' && !ip.match(GLOBAL_UNICAST_V6)) return 'reserved';
  return null;
}

function lastIpv4(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}
