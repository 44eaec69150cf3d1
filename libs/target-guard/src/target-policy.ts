import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import {
  type BlockedReason,
  type IpAddress,
  classify,
  effectiveAddress,
  isCloudMetadata,
  parseAddress,
} from './address-class';

export interface TargetSettings {
  /** `PROBE_ALLOW_PRIVATE`: every address but cloud metadata may be reached. */
  allowPrivate: boolean;
  /** `PROBE_ALLOWED_CIDRS`: networks reachable although they are not public. */
  allowedCidrs?: readonly string[];
}

type Network = [IpAddress, number];

/**
 * Verdicts kept per policy. A prober judges the same few thousand addresses at every interval,
 * and parsing and classifying one costs microseconds; a lookup costs nanoseconds. Cleared when
 * full rather than evicted one by one: refilling is cheap, bookkeeping per hit is not.
 */
const MAX_REMEMBERED_VERDICTS = 10_000;

/** A refused target: the name asked for, the address it led to, and why. */
export class BlockedTargetError extends Error {
  readonly code = 'ERR_BLOCKED_TARGET';

  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: BlockedReason,
  ) {
    super(describeRefusal(host, address, reason));
    this.name = 'BlockedTargetError';
  }
}

/**
 * Which addresses the platform's outbound requests (probes and notification channels) may reach.
 * One instance per service, built from its configuration at start.
 */
export class TargetPolicy {
  /** The default of a shared deployment: public unicast addresses only. */
  static readonly PUBLIC_ONLY = new TargetPolicy({ allowPrivate: false });

  readonly allowPrivate: boolean;
  readonly allowedCidrs: readonly string[];
  private readonly allowed: readonly Network[];
  private readonly verdicts = new Map<string, BlockedReason | null>();

  /** Throws a RangeError for a CIDR that `cidrProblem` would report. */
  constructor(settings: TargetSettings) {
    this.allowPrivate = settings.allowPrivate;
    this.allowedCidrs = settings.allowedCidrs ?? [];
    this.allowed = this.allowedCidrs.map(parseNetwork);
  }

  /**
   * Why `address` (an IP address, never a name) must not be contacted, or null when it may.
   * Cloud metadata is refused whatever the settings; an allowed network is matched against the
   * address a packet really reaches (the IPv4 address inside `::ffff:10.0.0.1` is 10.0.0.1).
   */
  refusal(address: string): BlockedReason | null {
    const known = this.verdicts.get(address);
    if (known !== undefined) return known;
    const verdict = this.judge(address);
    if (this.verdicts.size >= MAX_REMEMBERED_VERDICTS) this.verdicts.clear();
    this.verdicts.set(address, verdict);
    return verdict;
  }

  /**
   * The refusal of a URL's hostname when it is an IP literal (`[::1]` with or without brackets),
   * or null: a name is judged only when it is dialled, as DNS answers then (see `lookup`).
   */
  refusedLiteral(hostname: string): BlockedTargetError | null {
    const host = hostname.replace(/^\[|\]$/g, '');
    const reason = isIP(host) ? this.refusal(host) : null;
    return reason ? new BlockedTargetError(host, host, reason) : null;
  }

  private judge(address: string): BlockedReason | null {
    const ip = effectiveAddress(parseAddress(address));
    if (isCloudMetadata(ip)) return 'cloud metadata';
    if (this.allowPrivate) return null;
    if (this.allowed.some(([network, bits]) => sameKind(ip, network) && ip.match(network, bits))) {
      return null;
    }
    return classify(ip);
  }

  /**
   * A `lookup` for `net.connect` and `tls.connect`: the addresses the socket is about to dial
   * are judged as DNS returns them, so a name cannot pass a check with one address and then be
   * dialled at another (DNS rebinding). A name with any refused address is refused. Node does
   * not call `lookup` for an IP literal: judge those with `refusal` before connecting.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refused = this.firstRefused(hostname, addresses);
      if (refused) return callback(refused, '', 0);
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(noAddress(hostname), '', 0);
      callback(null, first.address, first.family);
    });
  };

  private firstRefused(host: string, addresses: LookupAddress[]): BlockedTargetError | null {
    for (const { address } of addresses) {
      const reason = this.refusal(address);
      if (reason) return new BlockedTargetError(host, address, reason);
    }
    return null;
  }
}

/** `localhost resolves to 127.0.0.1, which is a loopback address; ...`: the words of a refusal. */
export function describeRefusal(host: string, address: string, reason: BlockedReason): string {
  const bare = host.replace(/^\[|\]$/g, '');
  const subject = bare === address ? address : `${bare} resolves to ${address}, which`;
  const rule =
    reason === 'cloud metadata'
      ? 'it is never reachable from the platform'
      : 'private targets are not allowed';
  const article = /^[aeiou]/.test(reason) ? 'an' : 'a';
  return `${subject} is ${article} ${reason} address; ${rule}`;
}

/**
 * What is wrong with a CIDR as an operator wrote it, or null. Strict on purpose: `127.1/8` or
 * `10.1.2.3/8` parse, but are more likely a typo than a choice.
 */
export function cidrProblem(text: string): string | null {
  const example = 'a CIDR such as 10.0.0.0/8 or fd00::/8';
  const [address = '', bits] = text.split('/');
  if (bits === undefined || !/^\d{1,3}$/.test(bits)) return `"${text}" is not ${example}`;
  const valid = text.includes(':')
    ? ipaddr.IPv6.isValidCIDR(text)
    : ipaddr.IPv4.isValidCIDRFourPartDecimal(text);
  if (!valid) return `"${text}" is not ${example}`;
  const network =
    ipaddr.parse(address).kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(text)
      : ipaddr.IPv6.networkAddressFromCIDR(text);
  if (network.toNormalizedString() !== ipaddr.parse(address).toNormalizedString()) {
    return `"${text}" has host bits set; the network is ${network.toString()}/${bits}`;
  }
  return null;
}

function parseNetwork(text: string): Network {
  const problem = cidrProblem(text);
  if (problem) throw new RangeError(problem);
  return ipaddr.parseCIDR(text);
}

function sameKind(ip: IpAddress, network: IpAddress): boolean {
  return ip.kind() === network.kind();
}

function noAddress(hostname: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`no address for ${hostname}`);
  err.code = 'ENOTFOUND';
  return err;
}
