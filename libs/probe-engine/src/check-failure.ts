import { isIP } from 'node:net';
import type { CheckAssertion, ErrorKind } from '@uptime/contracts';
import type { Phase } from './phase-timeline';
import type { RuleFailure } from './rules';

/**
 * How a check's failures become an `errorKind` and a message, for every kind of check: the
 * connection set-up raises `CheckFailure`s through the constructors below, and whatever else
 * stops a check (the deadline, a cancellation, a Node or undici error) is explained by
 * `explainFailure`. A message names the phase, the address and the reason, never a stack.
 */

const PHASE_WORDS: Record<Phase, string> = {
  dns: 'during the DNS lookup',
  connect: 'while connecting',
  tls: 'during the TLS handshake',
  response: 'waiting for the response',
  body: 'while reading the body',
};

const DNS_REASONS: Record<string, string> = {
  ENOTFOUND: 'no such host',
  ENODATA: 'no address for the name',
  EAI_AGAIN: 'resolver temporarily unavailable',
};

const TLS_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname mismatch',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown issuer (incomplete chain?)',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown issuer',
  CERT_REVOKED: 'certificate revoked',
  CERT_SIGNATURE_FAILURE: 'bad certificate signature',
};

/**
 * A target's failure, raised inside the engine and turned into a result at the top. The
 * assertion, when there is one, is what the result lists for it: its `actual` is the error code.
 */
export class CheckFailure extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly assertion?: CheckAssertion,
    /** The system or OpenSSL code behind it (`ECONNREFUSED`, `CERT_HAS_EXPIRED`), when known. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CheckFailure';
  }
}

export function dnsFailure(host: string, err: unknown): CheckFailure {
  return new CheckFailure(
    'dns',
    `DNS lookup of ${host} failed: ${reasonOf(err, DNS_REASONS)}`,
    failedStep('connect', host, err),
  );
}

export function connectFailure(address: string, port: number, err: unknown): CheckFailure {
  const where = isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
  return new CheckFailure(
    'connect',
    `could not connect to ${where}: ${describe(err)}`,
    failedStep('connect', where, err),
    errorCode(err),
  );
}

export function tlsFailure(host: string, err: unknown): CheckFailure {
  return new CheckFailure(
    'tls',
    `TLS handshake with ${host} failed: ${reasonOf(err, TLS_REASONS)}`,
    failedStep('tls', host, err),
    errorCode(err),
  );
}

/** A connection step that failed: what it dialled and the error's code (or its text). */
function failedStep(type: 'connect' | 'tls', target: string, err: unknown): CheckAssertion {
  return { type, target, actual: errorCode(err) ?? describe(err), passed: false };
}

/** How the check's deadline stood when it stopped (a `CheckDeadline` is one). */
export interface DeadlineState {
  readonly timedOut: boolean;
  readonly timeoutMs: number;
  readonly cancelled: boolean;
}

/**
 * Turns whatever stopped the check in `phase` into its result's `errorKind` and message; the
 * deadline and a cancellation win over the error they caused.
 */
export function explainFailure(err: unknown, deadline: DeadlineState, phase: Phase): RuleFailure {
  if (deadline.timedOut) {
    return {
      kind: 'timeout',
      message: `timed out after ${deadline.timeoutMs} ms ${PHASE_WORDS[phase]}`,
      // The phase the deadline ran out in, and the limit it had: the cause in structured form.
      assertions: [{ type: 'latency', target: phase, expected: deadline.timeoutMs, passed: false }],
    };
  }
  if (deadline.cancelled) return { kind: 'prober_error', message: 'check cancelled by the prober' };
  if (err instanceof CheckFailure) {
    const assertions = err.assertion ? [err.assertion] : [];
    return { kind: err.kind, message: err.message, assertions };
  }
  const code = errorCode(err) ?? '';
  // undici's parser errors do not always carry a code, but always this name.
  const parserError = err instanceof Error && err.name === 'HTTPParserError';
  if (parserError || code.startsWith('HPE_') || code.startsWith('UND_ERR_RES_')) {
    return { kind: 'http_status', message: `invalid HTTP response: ${describe(err)}` };
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
    return { kind: 'prober_error', message: `could not send the request: ${describe(err)}` };
  }
  if (!code) return { kind: 'prober_error', message: `unexpected error: ${describe(err)}` };
  return {
    kind: 'connect',
    message: `connection failed ${PHASE_WORDS[phase]}: ${describe(err)}`,
    assertions: [{ type: 'connect', actual: code, passed: false }],
  };
}

function reasonOf(err: unknown, reasons: Record<string, string>): string {
  const code = errorCode(err);
  const reason = code === undefined ? undefined : reasons[code];
  return reason ? `${reason} (${code})` : describe(err);
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = errorCode(err);
  // OpenSSL errors carry a short `reason`; their message is a raw error-queue line.
  const text =
    'reason' in err && typeof err.reason === 'string' && err.reason ? err.reason : err.message;
  return code && !text.includes(code) ? `${text} (${code})` : text;
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
