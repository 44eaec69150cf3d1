import type { CheckAssertion, CheckOutcome, ErrorKind, ProbeSpec } from '@uptime/contracts';
import { CheckDeadline } from './check-deadline';
import { CheckFailure, explainFailure } from './check-failure';
import { type Connection, type DialOptions, type Endpoint, openConnection } from './connection';
import type { HttpCheckOutcome } from './http-check';
import { PhaseTimeline } from './phase-timeline';
import type { RuleFailure } from './rules';

export interface TcpCheckOptions extends DialOptions {
  /** Cancels the check (e.g. at shutdown); the result is then a `prober_error`. */
  signal?: AbortSignal;
}

/**
 * The fields of an HTTP check's outcome (no status, no bytes), and what the check verified:
 * `connect`, then for `tls://` the handshake (`tls`) and the certificate's expiry (`certificate`).
 */
/** The same fields as an HTTP check's; a TCP check has no status, body or size. */
export type TcpCheckOutcome = HttpCheckOutcome;

/**
 * Runs one `tcp://host:port` or `tls://host:port` check: up when a connection opens (and, for
 * tls, its handshake completes) within the timeout. Latency is the connect time, plus the
 * handshake for tls; DNS is timed apart. A target's failure never throws: it is the result.
 */
export async function runTcpCheck(
  spec: ProbeSpec,
  options: TcpCheckOptions,
): Promise<TcpCheckOutcome> {
  if (spec.type !== 'tcp') throw new TypeError(`runTcpCheck cannot run a ${spec.type} check`);
  const endpoint = tcpEndpointOf(spec);
  const deadline = new CheckDeadline(spec.timeoutMs, options.signal);
  const phases = new PhaseTimeline();
  try {
    const connection = await openConnection(endpoint, options, deadline, phases);
    // Nothing is read from the connection: it is closed as soon as it opened. The TLS socket
    // first: destroying the TCP socket under a live TLS one crashed Node 20 here (SIGSEGV).
    connection.socket.destroy();
    return opened(spec, endpoint, connection, deadline, phases);
  } catch (err) {
    const failure = explainFailure(err, deadline, phases.phase);
    return {
      ...outcomeOf('down', failure, deadline.elapsedMs(), deadline, phases, null),
      assertions: failedAssertions(endpoint, err, failure, phases),
    };
  } finally {
    await deadline.dispose(false);
  }
}

/** The endpoint of a monitor's `tcp://` or `tls://` URL (the contract requires the port). */
export function tcpEndpointOf(spec: ProbeSpec): Endpoint {
  const url = new URL(spec.url);
  if (url.protocol !== 'tcp:' && url.protocol !== 'tls:') {
    throw new TypeError(`a tcp check needs a tcp:// or tls:// URL, got ${url.protocol}`);
  }
  const allowInvalidCertificate = spec.tls?.allowInvalidCertificate === true;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port),
    tls: url.protocol === 'tls:' ? { alpn: [], allowInvalidCertificate } : null,
  };
}

function opened(
  spec: ProbeSpec,
  endpoint: Endpoint,
  connection: Connection,
  deadline: CheckDeadline,
  phases: PhaseTimeline,
): TcpCheckOutcome {
  const { connectMs, tlsMs } = phases.timings;
  const latencyMs = Math.round(((connectMs ?? 0) + (tlsMs ?? 0)) * 10) / 10;
  const assertions: CheckAssertion[] = [
    { type: 'connect', expected: 'open', actual: 'open', passed: true },
  ];
  if (endpoint.tls) assertions.push(...tlsAssertions(endpoint, connection));
  const { maxLatencyMs } = spec;
  if (maxLatencyMs !== null && latencyMs > maxLatencyMs) {
    const message = `latency ${latencyMs} ms above limit ${maxLatencyMs} ms`;
    assertions.push({ type: 'latency', expected: maxLatencyMs, actual: latencyMs, passed: false });
    return {
      ...outcomeOf('degraded', { kind: null, message }, latencyMs, deadline, phases, connection),
      assertions,
    };
  }
  return { ...outcomeOf('up', null, latencyMs, deadline, phases, connection), assertions };
}

/** A completed handshake: verified, or accepted unverified because the monitor allows it. */
function tlsAssertions(endpoint: Endpoint, connection: Connection): CheckAssertion[] {
  const expiresAt = connection.certificateExpiresAt;
  return [
    {
      type: 'tls',
      expected: endpoint.tls?.allowInvalidCertificate ? 'handshake' : 'verified',
      actual: connection.unverifiedReason ?? 'verified',
      passed: true,
    },
    {
      type: 'certificate',
      actual: expiresAt,
      passed: expiresAt !== null && Date.parse(expiresAt) > Date.now(),
    },
  ];
}

/**
 * What a failed check verified: how far the connection got (`refused`, `timeout`, ...), and for
 * tls whether the handshake failed and why (an OpenSSL code such as `CERT_HAS_EXPIRED`).
 */
function failedAssertions(
  endpoint: Endpoint,
  err: unknown,
  failure: RuleFailure,
  phases: PhaseTimeline,
): CheckAssertion[] {
  const code = err instanceof CheckFailure ? err.code : undefined;
  const inHandshake = phases.phase === 'tls';
  const connect = inHandshake ? 'open' : connectState(failure, code);
  const assertions: CheckAssertion[] = [
    { type: 'connect', expected: 'open', actual: connect, passed: inHandshake },
  ];
  if (endpoint.tls && inHandshake) {
    const actual = failure.kind === 'timeout' ? 'timeout' : (code ?? failure.kind);
    assertions.push({ type: 'tls', expected: 'verified', actual, passed: false });
  }
  return assertions;
}

/** Where the connection stopped before it opened, as a word code can compare. */
function connectState(failure: RuleFailure, code: string | undefined): string {
  if (failure.kind === 'timeout') return 'timeout';
  if (failure.kind === 'dns') return 'unresolved';
  if (failure.kind === 'blocked_target') return 'blocked';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET') return 'reset';
  return code === undefined ? failure.kind : 'unreachable';
}

function outcomeOf(
  outcome: CheckOutcome,
  failure: { kind: ErrorKind | null; message: string } | null,
  latencyMs: number,
  deadline: CheckDeadline,
  phases: PhaseTimeline,
  connection: Connection | null,
): Omit<HttpCheckOutcome, 'assertions'> {
  return {
    startedAt: deadline.startedAt,
    outcome,
    errorKind: failure?.kind ?? null,
    httpStatus: null,
    latencyMs,
    timings: phases.timings,
    sizeBytes: 0,
    message: failure?.message ?? null,
    certificateExpiresAt: connection?.certificateExpiresAt ?? null,
  };
}
