import { lookup } from 'node:dns/promises';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { connect as connectTls, rootCertificates, type TLSSocket } from 'node:tls';
import type {
  CheckOutcome,
  CheckResult,
  CheckTimings,
  ErrorKind,
  ProbeSpec,
} from '@uptime/contracts';
import { Client, type Dispatcher } from 'undici';
import { type BlockedReason, type TargetPolicy, describeRefusal } from '@uptime/target-guard';
import { firstRuleFailure, type JudgedResponse, type RuleFailure } from './rules';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const MAX_REDIRECTS = 5;

const USER_AGENT = 'uptime-platform-prober/1.0';
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Framing headers the engine owns; undici refuses most of them from callers anyway. */
const ENGINE_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'expect',
  'content-length',
]);
/**
 * Why a finished check's client is destroyed: one shared error, so ending a connection builds no
 * error (and formats no stack trace) per check. Nobody reports it; the response was read in full.
 */
const CHECK_FINISHED = new Error('check finished');
/** Headers meant for the monitored origin only; a redirect to another origin does not get them. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host'];

export interface HttpCheckOptions {
  /**
   * Which addresses checks may reach, judged on the address each hop dials (after DNS, at every
   * redirect); a shared prober allows public addresses only.
   */
  targets: TargetPolicy;
  /** Told of each refusal of `targets`, to count and log it; the result reports it anyway. */
  onBlocked?: (reason: BlockedReason, message: string) => void;
  /** Cancels the check (e.g. at shutdown); the result is then a `prober_error`. */
  signal?: AbortSignal;
  /** How much of the body is kept for keyword and assertion rules; the rest is only counted. */
  maxBodyBytes?: number;
  /** Extra trusted CA, for tests and private PKI; added to Node's bundled root certificates. */
  ca?: string | Buffer;
}

/** The part of a check result a probe can know; the prober adds the job's identity. */
export type HttpCheckOutcome = Pick<
  CheckResult,
  | 'startedAt'
  | 'outcome'
  | 'errorKind'
  | 'httpStatus'
  | 'latencyMs'
  | 'timings'
  | 'sizeBytes'
  | 'message'
  | 'certificateExpiresAt'
>;

type Phase = 'dns' | 'connect' | 'tls' | 'response' | 'body';

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

interface HopRequest {
  method: ProbeSpec['method'];
  headers: Record<string, string>;
  body: string | null;
}

/** A target's failure, raised inside the engine and turned into a result at the top. */
class CheckFailure extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'CheckFailure';
  }
}

/**
 * Runs one HTTP(S) check on a fresh connection, so that DNS, connect, TLS, first byte and
 * transfer can each be timed. A target's failure never throws: it is the result. Only a
 * caller's mistake (a non-http spec) does.
 */
export async function runHttpCheck(
  spec: ProbeSpec,
  options: HttpCheckOptions,
): Promise<HttpCheckOutcome> {
  if (spec.type !== 'http') throw new TypeError(`runHttpCheck cannot run a ${spec.type} check`);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) {
    throw new RangeError(`maxBodyBytes must be a non-negative integer, got ${maxBodyBytes}`);
  }
  const run = new CheckRun(spec.timeoutMs, options);
  try {
    const response = await fetchFinalResponse(run, spec, maxBodyBytes);
    const latencyMs = run.elapsedMs();
    const failure = firstRuleFailure(spec, response);
    if (failure) return run.report('down', failure, latencyMs);
    if (spec.maxLatencyMs !== null && latencyMs > spec.maxLatencyMs) {
      const message = `latency ${latencyMs} ms above limit ${spec.maxLatencyMs} ms`;
      return run.report('degraded', { kind: null, message }, latencyMs);
    }
    return run.report('up', null, latencyMs);
  } catch (err) {
    return run.report('down', explain(run, err), run.elapsedMs());
  } finally {
    await run.dispose();
  }
}

/**
 * One check's clock, deadline and measurements so far; a failure reports what was reached.
 *
 * The deadline is a plain timer that destroys the check's own clients and sockets, not an
 * `AbortSignal` handed to undici: every check has a client of its own, so destroying it ends
 * whatever it is doing, while a signal per check cost an `AbortController`, its listeners and
 * undici's abort bookkeeping on every request (a few per cent of a busy prober's CPU).
 */
class CheckRun {
  readonly startedAt = new Date().toISOString();
  readonly targets: TargetPolicy;
  readonly onBlocked: HttpCheckOptions['onBlocked'];
  /** Undefined keeps Node's default trust store; an extra CA must not replace the public roots. */
  readonly ca: (string | Buffer)[] | undefined;
  /** The deadline passed or the caller cancelled: everything the check opened is destroyed. */
  aborted = false;
  private rejectAbortion?: (err: Error) => void;
  private abortion?: Promise<never>;
  phase: Phase = 'dns';
  timedOut = false;
  timings: CheckTimings = noTimings();
  httpStatus: number | null = null;
  sizeBytes = 0;
  certificateExpiresAt: string | null = null;
  connectedAt = 0;
  /** The final response was read to its end: nothing is left in flight on any connection. */
  answered = false;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly outer: AbortSignal | undefined;
  /** Arrays, not sets: a check without redirects has one of each. */
  private readonly sockets: Socket[] = [];
  private readonly clients: Client[] = [];
  private readonly cancel = () => this.abort();

  constructor(
    readonly timeoutMs: number,
    options: HttpCheckOptions,
  ) {
    this.targets = options.targets;
    this.onBlocked = options.onBlocked;
    this.ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca];
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.abort();
    }, timeoutMs);
    this.outer = options.signal;
    if (this.outer?.aborted) this.cancel();
    else this.outer?.addEventListener('abort', this.cancel);
  }

  /**
   * Rejects on abort, to race waits that cannot be cancelled themselves (DNS lookups). Made on
   * first use: most checks dial an address and never need it.
   */
  get abortedWait(): Promise<never> {
    if (!this.abortion) {
      this.abortion = new Promise<never>((_, reject) => {
        if (this.aborted) reject(new Error('check aborted'));
        this.rejectAbortion = reject;
      });
      this.abortion.catch(() => undefined);
    }
    return this.abortion;
  }

  get cancelled(): boolean {
    return this.outer?.aborted === true && !this.timedOut;
  }

  /** Each redirect hop is measured afresh: the result describes the final response. */
  startHop(): void {
    this.phase = 'dns';
    this.timings = noTimings();
    this.httpStatus = null;
    this.sizeBytes = 0;
    this.certificateExpiresAt = null;
  }

  track(socket: Socket): void {
    this.sockets.push(socket);
    if (this.aborted) socket.destroy(new Error('check aborted'));
  }

  /** A client made after the abort (a redirect hop racing the deadline) dies at once too. */
  trackClient(client: Client): void {
    this.clients.push(client);
    if (this.aborted) client.destroy(new Error('check aborted')).catch(() => undefined);
  }

  elapsedMs(): number {
    return sinceMs(this.started);
  }

  report(
    outcome: CheckOutcome,
    failure: { kind: ErrorKind | null; message: string } | null,
    latencyMs: number,
  ): HttpCheckOutcome {
    return {
      startedAt: this.startedAt,
      outcome,
      errorKind: failure?.kind ?? null,
      httpStatus: this.httpStatus,
      latencyMs,
      // The run is dropped after the report, so its timings object can be handed over as is.
      timings: this.timings,
      sizeBytes: this.sizeBytes,
      message: failure?.message ?? null,
      certificateExpiresAt: this.certificateExpiresAt,
    };
  }

  async dispose(): Promise<void> {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.cancel);
    // A check that read its answer ends its clients with one shared reason. undici's own close()
    // and a bare destroy() each build a ClientDestroyedError per client, and destroying the socket
    // with it formats its stack: about 4 % of a busy prober's CPU for an error nobody reads.
    const quiet = this.answered && !this.aborted;
    await Promise.all(
      this.clients.map((c) => c.destroy(quiet ? CHECK_FINISHED : null).catch(() => undefined)),
    );
    if (!quiet) this.destroySockets();
  }

  /**
   * Ends the check where it is: the request or body read in progress fails with undici's error
   * for a destroyed client, pending connects and handshakes fail at once (with a reason rather
   * than waiting), and a DNS wait is cut short. `explain` then reports the deadline or the
   * cancellation, not the error it caused.
   */
  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const reason = new Error('check aborted');
    this.rejectAbortion?.(reason);
    this.destroySockets(reason);
    for (const client of this.clients) client.destroy(reason).catch(() => undefined);
  }

  private destroySockets(reason?: Error): void {
    for (const socket of this.sockets) socket.destroy(reason);
  }
}

async function fetchFinalResponse(
  run: CheckRun,
  spec: ProbeSpec,
  maxBodyBytes: number,
): Promise<JudgedResponse> {
  let target = new URL(spec.url);
  let request = initialRequest(spec);
  for (let redirects = 0; ; redirects++) {
    const response = await exchange(run, target, request);
    const location = spec.followRedirects ? redirectLocation(response) : null;
    if (location === null) return readBody(run, response, maxBodyBytes);
    // undici reports an unread body's destruction as an error; nobody needs to hear it.
    response.body.on('error', () => undefined).destroy();
    if (redirects === MAX_REDIRECTS) {
      throw new CheckFailure(
        'too_many_redirects',
        `more than ${MAX_REDIRECTS} redirects; the last one pointed to ${location}`,
      );
    }
    const next = redirectTarget(target, location);
    request = redirectedRequest(request, response.statusCode, target, next);
    target = next;
  }
}

function initialRequest(spec: ProbeSpec): HopRequest {
  // A Map, then own properties: a header named __proto__ must stay a header.
  const headers = new Map([['user-agent', USER_AGENT]]);
  for (const [name, value] of Object.entries(spec.headers)) {
    const key = name.toLowerCase();
    if (!ENGINE_HEADERS.has(key)) headers.set(key, value);
  }
  return { method: spec.method, headers: Object.fromEntries(headers), body: spec.body };
}

/** Sends one request on a connection of its own and waits for the response headers. */
async function exchange(
  run: CheckRun,
  target: URL,
  request: HopRequest,
): Promise<Dispatcher.ResponseData> {
  run.startHop();
  const client = new Client(target.origin, {
    connect: (_options, done) => {
      void openConnection(run, target).then(
        (socket) => done(null, socket),
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err)), null),
      );
    },
  });
  run.trackClient(client);
  const response = await client.request({
    path: `${target.pathname}${target.search}`,
    method: request.method,
    headers: request.headers,
    body: request.body,
    // No `reset: true`: the client is closed right after the body anyway, and undici's reset
    // path builds an error with a stack trace per request (about 6 % of a busy prober's CPU).
  });
  run.timings.firstByteMs = sinceMs(run.connectedAt);
  run.httpStatus = response.statusCode;
  return response;
}

/** DNS, target guard, TCP and TLS for one hop, each timed: undici's connector for that hop. */
async function openConnection(run: CheckRun, target: URL): Promise<Socket> {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  run.phase = 'dns';
  let began = performance.now();
  const address = await resolveHost(run, host);
  run.timings.dnsMs = isIP(host) ? 0 : sinceMs(began);
  guardTarget(run, host, address);

  run.phase = 'connect';
  began = performance.now();
  let connection = await openTcp(run, address, port);
  run.timings.connectMs = sinceMs(began);

  if (target.protocol === 'https:') {
    run.phase = 'tls';
    began = performance.now();
    const secure = await handshake(run, connection, host);
    run.timings.tlsMs = sinceMs(began);
    run.certificateExpiresAt = certificateExpiry(secure);
    connection = secure;
  }
  run.phase = 'response';
  run.connectedAt = performance.now();
  return connection;
}

async function resolveHost(run: CheckRun, host: string): Promise<string> {
  if (isIP(host)) return host;
  try {
    const { address } = await Promise.race([lookup(host), run.abortedWait]);
    return address;
  } catch (err) {
    if (run.aborted) throw err;
    throw new CheckFailure('dns', `DNS lookup of ${host} failed: ${reasonOf(err, DNS_REASONS)}`);
  }
}

/**
 * Checks the address about to be dialled, not the name: a name can resolve to 127.0.0.1. The
 * socket is then opened to this very address, so a second DNS answer cannot slip past.
 */
function guardTarget(run: CheckRun, host: string, address: string): void {
  const reason = run.targets.refusal(address);
  if (!reason) return;
  const message = describeRefusal(host, address, reason);
  run.onBlocked?.(reason, message);
  throw new CheckFailure('blocked_target', message);
}

function openTcp(run: CheckRun, address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let connected = false;
    const socket = connectTcp({ host: address, port, noDelay: true });
    run.track(socket);
    // Stays attached for the socket's life: an 'error' without a listener would crash the prober.
    socket.on('error', (err) => {
      // Once connected, undici sees later errors itself; building a failure here is wasted work.
      if (connected) return;
      const where = isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
      reject(new CheckFailure('connect', `could not connect to ${where}: ${describe(err)}`));
    });
    socket.once('connect', () => {
      connected = true;
      resolve(socket);
    });
  });
}

function handshake(run: CheckRun, socket: Socket, host: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = connectTls({
      socket,
      host,
      // SNI carries names only; for an IP literal the certificate is checked against `host`.
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: true,
      ca: run.ca,
      ALPNProtocols: ['http/1.1'],
    });
    let connected = false;
    run.track(secure);
    // Stays attached for the socket's life; after the handshake undici sees errors itself.
    secure.on('error', (err) => {
      if (connected) return;
      reject(
        new CheckFailure('tls', `TLS handshake with ${host} failed: ${reasonOf(err, TLS_REASONS)}`),
      );
    });
    secure.once('secureConnect', () => {
      connected = true;
      resolve(secure);
    });
  });
}

function certificateExpiry(socket: TLSSocket): string | null {
  const validTo: string | undefined = socket.getPeerCertificate().valid_to;
  if (!validTo) return null;
  const expires = new Date(validTo);
  return Number.isNaN(expires.getTime()) ? null : expires.toISOString();
}

/** Reads the whole body to time and count it, keeping only the first `maxBodyBytes`. */
async function readBody(
  run: CheckRun,
  response: Dispatcher.ResponseData,
  maxBodyBytes: number,
): Promise<JudgedResponse> {
  run.phase = 'body';
  const began = performance.now();
  const body = await collectBody(run, response.body, maxBodyBytes);
  run.timings.transferMs = sinceMs(began);
  run.answered = true;
  return { status: response.statusCode, body, sizeBytes: run.sizeBytes };
}

/**
 * Listeners rather than `for await`: the stream's async iterator costs an iterator, a promise
 * and a microtask per chunk and per end, for bodies that are mostly one chunk.
 */
function collectBody(run: CheckRun, body: Readable, maxBodyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    body.on('data', (chunk: Buffer) => {
      run.sizeBytes += chunk.length;
      if (keptBytes >= maxBodyBytes) return;
      const part =
        chunk.length <= maxBodyBytes - keptBytes
          ? chunk
          : chunk.subarray(0, maxBodyBytes - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    });
    body.once('end', () => resolve(kept.length === 1 ? kept[0]! : Buffer.concat(kept)));
    // `on`, not `once`: a second error with no listener left would crash the prober.
    body.on('error', reject);
  });
}

function redirectLocation(response: Dispatcher.ResponseData): string | null {
  if (!REDIRECT_STATUSES.has(response.statusCode)) return null;
  const header = response.headers.location;
  const location = Array.isArray(header) ? header[0] : header;
  return location ? location : null;
}

function redirectTarget(from: URL, location: string): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new CheckFailure('http_status', `redirect to an invalid location: ${location}`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new CheckFailure('http_status', `redirect to an unsupported location: ${next.href}`);
  }
  return next;
}

/** 303 means "GET the answer elsewhere"; the other codes repeat the request as it was. */
function redirectedRequest(request: HopRequest, status: number, from: URL, to: URL): HopRequest {
  const becomesGet = status === 303 && request.method !== 'HEAD';
  const headers = new Map(Object.entries(request.headers));
  if (becomesGet) headers.delete('content-type');
  if (from.origin !== to.origin) for (const name of ORIGIN_BOUND_HEADERS) headers.delete(name);
  return {
    method: becomesGet ? 'GET' : request.method,
    headers: Object.fromEntries(headers),
    body: becomesGet ? null : request.body,
  };
}

/** Turns whatever stopped the check into its result; the deadline wins over the error it caused. */
function explain(run: CheckRun, err: unknown): RuleFailure {
  if (run.timedOut) {
    return {
      kind: 'timeout',
      message: `timed out after ${run.timeoutMs} ms ${PHASE_WORDS[run.phase]}`,
    };
  }
  if (run.cancelled) return { kind: 'prober_error', message: 'check cancelled by the prober' };
  if (err instanceof CheckFailure) return { kind: err.kind, message: err.message };
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
    message: `connection failed ${PHASE_WORDS[run.phase]}: ${describe(err)}`,
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

function noTimings(): CheckTimings {
  return { dnsMs: null, connectMs: null, tlsMs: null, firstByteMs: null, transferMs: null };
}

/** Milliseconds since a `performance.now()` mark, to a tenth: enough for a loopback phase. */
function sinceMs(mark: number): number {
  return Math.round((performance.now() - mark) * 10) / 10;
}
