import { lookup } from 'node:dns/promises';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, rootCertificates, type TLSSocket } from 'node:tls';
import { type BlockedReason, type TargetPolicy, describeRefusal } from '@uptime/target-guard';
import type { CheckDeadline } from './check-deadline';
import { CheckFailure, connectFailure, dnsFailure, tlsFailure } from './check-failure';
import type { PhaseTimeline } from './phase-timeline';

/** What every check that dials a target is told: where it may go and whom it trusts. */
export interface DialOptions {
  /**
   * Which addresses checks may reach, judged on the address each hop dials (after DNS, at every
   * redirect); a shared prober allows public addresses only.
   */
  targets: TargetPolicy;
  /** Told of each refusal of `targets`, to count and log it; the result reports it anyway. */
  onBlocked?: (reason: BlockedReason, message: string) => void;
  /** Extra trusted CA, for tests and private PKI; added to Node's bundled root certificates. */
  ca?: string | Buffer;
}

/** Where to dial: a host name or IP literal (without brackets), a port, and whether TLS runs on it. */
export interface Endpoint {
  host: string;
  port: number;
  /**
   * Handshake with SNI = host and verify the chain and name; `alpn` names the protocols offered.
   * `allowInvalidCertificate` completes the handshake whatever the chain and name (a tls monitor
   * that asks for it); the connection then says why they did not verify.
   */
  tls: { alpn: string[]; allowInvalidCertificate?: boolean } | null;
}

export interface Connection {
  socket: Socket;
  /** The peer certificate's expiry, for a TLS endpoint whose certificate says it. */
  certificateExpiresAt: string | null;
  /** Why the certificate did not verify (an OpenSSL code), when the endpoint allowed that. */
  unverifiedReason: string | null;
}

/** The endpoint of a URL, with the scheme's default port. */
export function endpointOf(url: URL, alpn: string[]): Endpoint {
  const secure = url.protocol === 'https:';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port) || (secure ? 443 : 80),
    tls: secure ? { alpn } : null,
  };
}

/**
 * DNS, target guard, TCP and TLS, each timed on `phases`, every socket owned by `deadline`. A
 * failure is a `CheckFailure` of kind `dns`, `blocked_target`, `connect` or `tls`; the deadline's
 * abort surfaces as whatever error it caused, for `explainFailure` to read against the deadline.
 */
export async function openConnection(
  endpoint: Endpoint,
  options: DialOptions,
  deadline: CheckDeadline,
  phases: PhaseTimeline,
): Promise<Connection> {
  const { host, port } = endpoint;
  phases.start('dns');
  const address = await resolveHost(deadline, host);
  if (isIP(host)) phases.finish(0);
  else phases.finish();
  guardTarget(options, host, address);

  phases.start('connect');
  const socket = await openTcp(deadline, address, port);
  phases.finish();
  if (!endpoint.tls) return { socket, certificateExpiresAt: null, unverifiedReason: null };

  phases.start('tls');
  const secure = await handshake(deadline, socket, host, endpoint.tls, options.ca);
  phases.finish();
  return {
    socket: secure,
    certificateExpiresAt: certificateExpiry(secure),
    unverifiedReason: secure.authorized ? null : authorizationCode(secure),
  };
}

async function resolveHost(deadline: CheckDeadline, host: string): Promise<string> {
  if (isIP(host)) return host;
  try {
    const { address } = await Promise.race([lookup(host), deadline.abortedWait]);
    return address;
  } catch (err) {
    if (deadline.aborted) throw err;
    throw dnsFailure(host, err);
  }
}

/**
 * Checks the address about to be dialled, not the name: a name can resolve to 127.0.0.1. The
 * socket is then opened to this very address, so a second DNS answer cannot slip past.
 */
function guardTarget(options: DialOptions, host: string, address: string): void {
  const reason = options.targets.refusal(address);
  if (!reason) return;
  const message = describeRefusal(host, address, reason);
  options.onBlocked?.(reason, message);
  throw new CheckFailure('blocked_target', message);
}

function openTcp(deadline: CheckDeadline, address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let connected = false;
    const socket = connectTcp({ host: address, port, noDelay: true });
    deadline.track(socket);
    // Stays attached for the socket's life: an 'error' without a listener would crash the prober.
    socket.on('error', (err) => {
      // Once connected, the caller sees later errors itself; building a failure here is wasted work.
      if (connected) return;
      reject(connectFailure(address, port, err));
    });
    socket.once('connect', () => {
      connected = true;
      resolve(socket);
    });
  });
}

function handshake(
  deadline: CheckDeadline,
  socket: Socket,
  host: string,
  tls: NonNullable<Endpoint['tls']>,
  ca: DialOptions['ca'],
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = connectTls({
      socket,
      host,
      // SNI carries names only; for an IP literal the certificate is checked against `host`.
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: tls.allowInvalidCertificate !== true,
      // Undefined keeps Node's default trust store; an extra CA must not replace the public roots.
      ca: ca === undefined ? undefined : [...rootCertificates, ca],
      ALPNProtocols: tls.alpn.length ? tls.alpn : undefined,
    });
    let connected = false;
    deadline.track(secure);
    // Stays attached for the socket's life; after the handshake the caller sees errors itself.
    secure.on('error', (err) => {
      if (connected) return;
      reject(tlsFailure(host, err));
    });
    secure.once('secureConnect', () => {
      connected = true;
      resolve(secure);
    });
  });
}

function authorizationCode(socket: TLSSocket): string {
  const error: unknown = socket.authorizationError;
  if (error instanceof Error && 'code' in error && typeof error.code === 'string')
    return error.code;
  return String(error ?? 'UNVERIFIED');
}

function certificateExpiry(socket: TLSSocket): string | null {
  const validTo: string | undefined = socket.getPeerCertificate().valid_to;
  if (!validTo) return null;
  const expires = new Date(validTo);
  return Number.isNaN(expires.getTime()) ? null : expires.toISOString();
}
