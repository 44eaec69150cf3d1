import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * What a dns monitor is made of: its `dns://name` URL and its `dns` settings (record type,
 * resolver, expected values), with the rules a write must pass and the forms the prober compares.
 */

export const DNS_SCHEME = /^dns:/i;
/** `dns://name`: a name, no port, path, query or credentials. */
export const DNS_URL = /^dns:\/\/([^/?#:@\s]+)\/?$/i;
/** Longest DNS name in its text form (RFC 1035: 255 octets on the wire). */
export const MAX_DNS_NAME_LENGTH = 253;
// Underscores appear in real names (`_dmarc.example.com`, SRV-style labels); hyphens not at the ends.
const DNS_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** What is wrong with a DNS name (lower case, without the root's trailing dot), or null. */
export function dnsNameProblem(name: string): string | null {
  if (name.length === 0) return 'must name a host';
  if (name.length > MAX_DNS_NAME_LENGTH) {
    return `must be a DNS name of at most ${MAX_DNS_NAME_LENGTH} characters`;
  }
  const labels = name.split('.');
  if (!labels.every((label) => DNS_LABEL.test(label))) {
    return 'must be a DNS name: labels of 1 to 63 letters, digits, "-" or "_", separated by dots';
  }
  return null;
}

/** `Example.COM.` → `example.com`: how a name is stored, compared and queried. */
export function canonicalDnsName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The name a `dns://name` URL queries. */
export function dnsNameOfUrl(url: string): string {
  return canonicalDnsName(url.replace(DNS_SCHEME, '').replace(/^\/\//, '').replace(/\/$/, ''));
}

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];
export const MAX_DNS_EXPECTED = 20;
export const MAX_DNS_EXPECTED_LENGTH = 1024;
export const DEFAULT_DNS_PORT = 53;
const RESOLVER_EXAMPLE = 'e.g. 1.1.1.1, 1.1.1.1:53 or [2606:4700:4700::1111]:53';

/**
 * A resolver as `host:port`, host an IP address: a name would itself need a resolver to be found,
 * and the target guard judges the address the query goes to. The port defaults to 53.
 */
export function parseResolverAddress(text: string): { host: string; port: number } | null {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const ipv4 = /^([\d.]+)(?::(\d{1,5}))?$/.exec(text);
  // An IPv6 address with a port needs brackets; a bare one is the address alone.
  const [host, port, family] = bracketed
    ? [bracketed[1]!, bracketed[2], 6]
    : ipv4
      ? [ipv4[1]!, ipv4[2], 4]
      : [text, undefined, 6];
  if (isIP(host) !== family) return null;
  const portNumber = port === undefined ? DEFAULT_DNS_PORT : Number(port);
  if (portNumber < 1 || portNumber > 65535) return null;
  return { host, port: portNumber };
}

/** `1.1.1.1` → `1.1.1.1:53`, `[::1]` → `[::1]:53`: the form Node's `Resolver.setServers` takes. */
export function resolverAddressText(address: { host: string; port: number }): string {
  return isIP(address.host) === 6
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

const dnsResolver = z
  .string({ message: 'must be a string' })
  .trim()
  .max(64, 'must be at most 64 characters')
  .superRefine((value, ctx) => {
    if (parseResolverAddress(value)) return;
    ctx.addIssue({
      code: 'custom',
      message: `must be an IP address with an optional port (${RESOLVER_EXAMPLE}); names are not accepted`,
    });
  })
  .transform((value) => resolverAddressText(parseResolverAddress(value)!));

/** What an expected value of each record type must look like, or null when it does. */
function expectedValueProblem(recordType: DnsRecordType, value: string): string | null {
  switch (recordType) {
    case 'A':
      return isIP(value) === 4 ? null : 'must be an IPv4 address for an A record';
    case 'AAAA':
      return isIP(value) === 6 ? null : 'must be an IPv6 address for an AAAA record';
    case 'MX': {
      // `mail.example.com` matches any preference; `10 mail.example.com` only that one.
      const name = value.replace(/^\d{1,5}\s+/, '');
      return dnsNameProblem(canonicalDnsName(name)) && 'must be a host name, or "preference host"';
    }
    case 'CNAME':
    case 'NS':
      return dnsNameProblem(canonicalDnsName(value));
    case 'TXT':
      return null;
  }
}

export const DnsCheckSchema = z
  .object({
    recordType: z.enum(DNS_RECORD_TYPES, {
      message: `must be one of ${DNS_RECORD_TYPES.join(', ')}`,
    }),
    resolver: dnsResolver
      .nullable()
      .default(null)
      .meta({
        description: `The resolver to ask, as an IP address and optional port (${RESOLVER_EXAMPLE}); null asks the prober's own resolvers.`,
      }),
    expected: z
      .array(
        z
          .string({ message: 'must be a string' })
          .trim()
          .min(1, 'must not be empty')
          .max(MAX_DNS_EXPECTED_LENGTH, `must be at most ${MAX_DNS_EXPECTED_LENGTH} characters`),
      )
      .max(MAX_DNS_EXPECTED, `must have at most ${MAX_DNS_EXPECTED} values`)
      .default([])
      .meta({
        description:
          'Values every one of which must be among the answers (A/AAAA addresses, CNAME/NS/MX host names, TXT text); empty accepts any answer.',
      }),
  })
  .strict()
  .superRefine((dns, ctx) => {
    dns.expected.forEach((value, i) => {
      const problem = expectedValueProblem(dns.recordType, value);
      if (problem) ctx.addIssue({ code: 'custom', path: ['expected', i], message: problem });
    });
  })
  .meta({ description: 'What a dns monitor asks for and expects; required with type dns only.' });
