import type { Readable } from 'node:stream';
import type {
  CheckAssertion,
  CheckOutcome,
  CheckResult,
  ErrorKind,
  ProbeSpec,
} from '@uptime/contracts';
import { Client, type Dispatcher } from 'undici';
import { CheckDeadline } from './check-deadline';
import { explainFailure } from './check-failure';
import { type DialOptions, endpointOf, openConnection } from './connection';
import { PhaseTimeline } from './phase-timeline';
import {
  type HopRequest,
  initialRequest,
  redirectedRequest,
  redirectLocation,
  redirectTarget,
} from './redirects';
import { type JudgedResponse, judgeResponse } from './rules';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const HTTP_ALPN = ['http/1.1'];

export interface HttpCheckOptions extends DialOptions {
  /** Cancels the check (e.g. at shutdown); the result is then a `prober_error`. */
  signal?: AbortSignal;
  /** How much of the body is kept for keyword and assertion rules; the rest is only counted. */
  maxBodyBytes?: number;
  /** `UptimeProbe/<version> (+region <name>)`; see `initialRequest`. */
  userAgent?: string;
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
  | 'assertions'
  | 'certificateExpiresAt'
>;

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
  return new HttpCheck(spec, options, maxBodyBytes).run();
}

/** What one hop (the first request or a redirect) measured; the result describes the last. */
class Hop {
  readonly phases = new PhaseTimeline();
  httpStatus: number | null = null;
  sizeBytes = 0;
  certificateExpiresAt: string | null = null;
}

/**
 * One run of an HTTP check. A class, not values handed between functions, because the deadline
 * or an error can cut the check short anywhere and the result must still say what it reached
 * (phase, timings, status, bytes read): that state lives here, changed only by these methods.
 * The connection set-up and the redirect rules it calls are plain functions another kind of
 * check can call alike; they record into the hop's `PhaseTimeline` they are handed.
 */
class HttpCheck {
  private readonly deadline: CheckDeadline;
  private hop = new Hop();
  /** The final response was read to its end: nothing is left in flight on any connection. */
  private answered = false;

  constructor(
    private readonly spec: ProbeSpec,
    private readonly options: HttpCheckOptions,
    private readonly maxBodyBytes: number,
  ) {
    this.deadline = new CheckDeadline(spec.timeoutMs, options.signal);
  }

  async run(): Promise<HttpCheckOutcome> {
    try {
      const response = await this.finalResponse();
      const latencyMs = this.deadline.elapsedMs();
      const { failure, assertions } = judgeResponse(this.spec, response);
      const { maxLatencyMs } = this.spec;
      const slow = maxLatencyMs !== null && latencyMs > maxLatencyMs;
      if (maxLatencyMs !== null) {
        assertions.push({
          type: 'latency',
          expected: maxLatencyMs,
          actual: latencyMs,
          passed: !slow,
        });
      }
      assertions.unshift(...this.certificateAssertion());
      if (failure) return this.report('down', failure, latencyMs, assertions);
      if (slow) {
        const message = `latency ${latencyMs} ms above limit ${maxLatencyMs} ms`;
        return this.report('degraded', { kind: null, message }, latencyMs, assertions);
      }
      return this.report('up', null, latencyMs, assertions);
    } catch (err) {
      const failure = explainFailure(err, this.deadline, this.hop.phases.phase);
      const assertions = [...this.certificateAssertion(), ...(failure.assertions ?? [])];
      return this.report('down', failure, this.deadline.elapsedMs(), assertions);
    } finally {
      await this.deadline.dispose(this.answered);
    }
  }

  private async finalResponse(): Promise<JudgedResponse> {
    let target = new URL(this.spec.url);
    let request = initialRequest(this.spec, this.options.userAgent);
    for (let redirects = 0; ; redirects++) {
      const response = await this.exchange(target, request);
      const location = this.spec.followRedirects ? redirectLocation(response) : null;
      if (location === null) return this.readBody(response);
      // undici reports an unread body's destruction as an error; nobody needs to hear it.
      response.body.on('error', () => undefined).destroy();
      const next = redirectTarget(target, location, redirects);
      request = redirectedRequest(request, response.statusCode, target, next);
      target = next;
      this.hop = new Hop();
    }
  }

  /** Sends one request on a connection of its own and waits for the response headers. */
  private async exchange(target: URL, request: HopRequest): Promise<Dispatcher.ResponseData> {
    const hop = this.hop;
    const client = new Client(target.origin, {
      connect: (_options, done) => {
        const endpoint = endpointOf(target, HTTP_ALPN);
        void openConnection(endpoint, this.options, this.deadline, hop.phases).then(
          (connection) => {
            hop.certificateExpiresAt = connection.certificateExpiresAt;
            hop.phases.start('response');
            done(null, connection.socket);
          },
          (err: unknown) => done(err instanceof Error ? err : new Error(String(err)), null),
        );
      },
    });
    this.deadline.trackClient(client);
    const response = await client.request({
      path: `${target.pathname}${target.search}`,
      method: request.method,
      headers: request.headers,
      body: request.body,
      // No `reset: true`: the client is closed right after the body anyway, and undici's reset
      // path builds an error with a stack trace per request (about 6 % of a busy prober's CPU).
    });
    hop.phases.finish();
    hop.httpStatus = response.statusCode;
    return response;
  }

  /** Reads the whole body to time and count it, keeping only the first `maxBodyBytes`. */
  private async readBody(response: Dispatcher.ResponseData): Promise<JudgedResponse> {
    const hop = this.hop;
    hop.phases.start('body');
    const body = await collectBody(response.body, this.maxBodyBytes, (bytes) => {
      hop.sizeBytes += bytes;
    });
    hop.phases.finish();
    this.answered = true;
    return { status: response.statusCode, body, sizeBytes: hop.sizeBytes };
  }

  /**
   * The final hop's certificate, when it was https: a completed handshake verified the chain, so
   * it passed; a certificate the handshake refused is the `tls` assertion of the failure instead.
   */
  private certificateAssertion(): CheckAssertion[] {
    const expiresAt = this.hop.certificateExpiresAt;
    return expiresAt === null ? [] : [{ type: 'certificate', actual: expiresAt, passed: true }];
  }

  private report(
    outcome: CheckOutcome,
    failure: { kind: ErrorKind | null; message: string } | null,
    latencyMs: number,
    assertions: CheckAssertion[],
  ): HttpCheckOutcome {
    const hop = this.hop;
    return {
      startedAt: this.deadline.startedAt,
      outcome,
      errorKind: failure?.kind ?? null,
      httpStatus: hop.httpStatus,
      latencyMs,
      // The check is dropped after the report, so its timings object can be handed over as is.
      timings: hop.phases.timings,
      sizeBytes: hop.sizeBytes,
      message: failure?.message ?? null,
      assertions,
      certificateExpiresAt: hop.certificateExpiresAt,
    };
  }
}

/**
 * Keeps the first `maxBodyBytes` of a body and tells `counted` of every chunk as it arrives, so a
 * body cut short by the deadline still reports what was read. Listeners rather than
 * `for await`: the stream's async iterator costs an iterator, a promise and a microtask per
 * chunk and per end, for bodies that are mostly one chunk.
 */
function collectBody(
  body: Readable,
  maxBodyBytes: number,
  counted: (bytes: number) => void,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    body.on('data', (chunk: Buffer) => {
      counted(chunk.length);
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
