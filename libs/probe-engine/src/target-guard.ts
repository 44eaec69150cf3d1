import { isIPv4, isIPv6 } from 'node:net';

/** Why an address is off limits to a shared prober. */
export type BlockedReason =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unspecified'
  | 'carrier-grade NAT'
  | 'multicast'
  | 'reserved';

interface Block {
  network: bigint;
  prefix: number;
  width: 32 | 128;
  reason: BlockedReason;
}

/** Beyond the RFC 1918 ranges: anything that reaches the prober's own host or its neighbours. */
const IPV4_BLOCKS = blocks(4, [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
]);

const IPV6_BLOCKS = blocks(6, [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'],
  ['ff00::/8', 'multicast'],
]);

/**
 * IPv6 prefixes that carry an IPv4 address in their last 32 bits: IPv4-mapped, the deprecated
 * IPv4-compatible form and NAT64. The embedded address is what is really reached.
 */
const IPV4_CARRIERS = blocks(6, [
  ['::ffff:0:0/96', 'reserved'],
  ['::/96', 'reserved'],
  ['64:ff9b::/96', 'reserved'],
]);

/**
 * Says why the prober must not connect to an IP address, or null when it may. Callers pass the
 * address they are about to connect to (after DNS), so a name that resolves to 127.0.0.1 is
 * caught as well as the literal.
 */
export function blockedAddressReason(address: string): BlockedReason | null {
  const ip = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  if (isIPv4(ip)) return matchBlock(IPV4_BLOCKS, ipv4Value(ip));
  if (!isIPv6(ip)) throw new TypeError(`not an IP address: ${address}`);
  const value = ipv6Value(ip);
  const direct = matchBlock(IPV6_BLOCKS, value);
  if (direct) return direct;
  if (matchBlock(IPV4_CARRIERS, value)) return matchBlock(IPV4_BLOCKS, value & 0xffffffffn);
  return null;
}

function matchBlock(table: readonly Block[], value: bigint): BlockedReason | null {
  return table.find((b) => inNetwork(value, b))?.reason ?? null;
}

function inNetwork(value: bigint, block: Block): boolean {
  const shift = BigInt(block.width - block.prefix);
  return value >> shift === block.network >> shift;
}

function blocks(version: 4 | 6, cidrs: [string, BlockedReason][]): Block[] {
  return cidrs.map(([cidr, reason]) => {
    const [address, prefix] = cidr.split('/') as [string, string];
    const network = version === 4 ? ipv4Value(address) : ipv6Value(address);
    return { network, prefix: Number(prefix), width: version === 4 ? 32 : 128, reason };
  });
}

function ipv4Value(ip: string): bigint {
  return ip.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** Expects a valid IPv6 text (checked by `isIPv6`); a dotted IPv4 tail is folded into two groups. */
function ipv6Value(ip: string): bigint {
  const lastColon = ip.lastIndexOf(':');
  const tail = ip.slice(lastColon + 1);
  const text = tail.includes('.') ? ip.slice(0, lastColon + 1) + ipv4AsGroups(tail) : ip;
  const [head = '', rest] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest ? rest.split(':') : [];
  const zeros =
    rest === undefined ? [] : Array<string>(8 - headGroups.length - restGroups.length).fill('0');
  return [...headGroups, ...zeros, ...restGroups].reduce(
    (acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)),
    0n,
  );
}

function ipv4AsGroups(ip: string): string {
  const value = ipv4Value(ip);
  return `${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
}
