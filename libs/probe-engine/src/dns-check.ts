import { Resolver } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import {
  canonicalDnsName,
  type CheckAssertion,
  type CheckOutcome,
  type DnsRecordType,
  dnsNameOfUrl,
  type ErrorKind,
  parseResolverAddress,
  type ProbeSpec,
} from '@uptime/contracts';
import { type BlockedReason, type TargetPolicy, describeRefusal } from '@uptime/target-guard';
import type { HttpCheckOutcome } from './http-check';
import { sinceMs } from './phase-timeline';

export interface DnsCheckOptions {
  /**
   * Which resolvers a monitor may name, judged on the resolver's address: a shared prober must
   * not be made to send queries into its own network. The prober's own resolvers (a monitor
   * without `resolver`) are the operator's choice and are not judged.
   */
  targets: TargetPolicy;
  onBlocked?: (reason: BlockedReason, message: string) => void;
  /** Cancels the query (e.g. at shutdown); the result is then a `prober_error`. */
  signal?: AbortSignal;
}

/**
 * A dns check's result: the fields an HTTP check gives (latency is the query time, `timings.dnsMs`
 * too), and what it verified. `assertions` joins the published result once `CheckResult` has it.
 */
export type DnsCheckOutcome = HttpCheckOutcome & { assertions: CheckAssertion[] };

type DnsSettings = NonNullable<ProbeSpec['dns']>;

/** Messages carry the answers; a TXT-heavy name could make them long, so they are cut here. */
const MAX_MESSAGE_LENGTH = 1000;

/** Each record type's query, its answers written as text (`10 mail.example.com` for MX). */
const QUERIES: Record<DnsRecordType, (resolver: Resolver, name: string) => Promise<string[]>> = {
  A: async (r, name) => (await r.resolve4(name)).map(canonicalIp),
  AAAA: async (r, name) => (await r.resolve6(name)).map(canonicalIp),
  CNAME: async (r, name) => (await r.resolveCname(name)).map(canonicalDnsName),
  NS: async (r, name) => (await r.resolveNs(name)).map(canonicalDnsName),
  MX: async (r, name) =>
    (await r.resolveMx(name)).map((mx) => `${mx.priority} ${canonicalDnsName(mx.exchange)}`),
  TXT: async (r, name) => (await r.resolveTxt(name)).map((chunks) => chunks.join('')),
};

const FAILURE_REASONS: Record<string, string> = {
  ENOTFOUND: 'no such name (NXDOMAIN)',
  ENODATA: 'no record of this type',
  ESERVFAIL: 'server failure (SERVFAIL)',
  EREFUSED: 'query refused (REFUSED)',
  ECONNREFUSED: 'resolver unreachable (connection refused)',
  EFORMERR: 'query rejected as malformed (FORMERR)',
  EBADRESP: 'malformed response',
  ENOTIMP: 'query type not implemented by the resolver (NOTIMP)',
};

/**
 * Runs one dns check: asks the monitor's resolver (or the prober's own) for the name's records of
 * the record type, and checks that every expected value is among the answers. A target's failure
 * never throws: it is the result. Only a caller's mistake (a spec of another type) does.
 */
export async function runDnsCheck(
  spec: ProbeSpec,
  options: DnsCheckOptions,
): Promise<DnsCheckOutcome> {
  if (spec.type !== 'dns' || !spec.dns) {
    throw new TypeError(`runDnsCheck cannot run a ${spec.type} check without dns settings`);
  }
  const check = new DnsCheck(spec, spec.dns, dnsNameOfUrl(spec.url));
  const refused = resolverRefusal(spec.dns.resolver, options);
  return refused ? check.report('down', refused.kind, refused.message) : check.run(options.signal);
}

/** Why the monitor's resolver may not be asked, or null (always null for the prober's own). */
function resolverRefusal(
  resolver: string | null,
  options: DnsCheckOptions,
): { kind: ErrorKind; message: string } | null {
  if (resolver === null) return null;
  const server = parseResolverAddress(resolver);
  // Checked when the monitor was saved; a job from elsewhere may still carry anything.
  if (!server)
    return { kind: 'dns', message: `resolver ${resolver} is not an IP address and port` };
  const reason = options.targets.refusal(server.host);
  if (!reason) return null;
  const message = `DNS resolver ${describeRefusal(server.host, server.host, reason)}`;
  options.onBlocked?.(reason, message);
  return { kind: 'blocked_target', message };
}

/** One query's clock and the words of its result. */
class DnsCheck {
  readonly startedAt = new Date().toISOString();
  private readonly started = performance.now();
  private latencyMs = 0;
  private assertions: CheckAssertion[] = [];

  constructor(
    private readonly spec: ProbeSpec,
    private readonly dns: DnsSettings,
    private readonly name: string,
  ) {}

  private get question(): string {
    return `${this.dns.recordType} ${this.name}`;
  }

  async run(signal: AbortSignal | undefined): Promise<DnsCheckOutcome> {
    const resolver = new Resolver({ timeout: this.spec.timeoutMs, tries: 1 });
    if (this.dns.resolver !== null) resolver.setServers([this.dns.resolver]);
    const deadline = new QueryDeadline(resolver, this.spec.timeoutMs, signal);
    try {
      // The trailing dot makes the name absolute: no search domain of the prober's is appended.
      const answers = await QUERIES[this.dns.recordType](resolver, `${this.name}.`);
      this.latencyMs = sinceMs(this.started);
      return this.judge(answers);
    } catch (err) {
      this.latencyMs = sinceMs(this.started);
      return this.failed(err, deadline);
    } finally {
      deadline.dispose();
    }
  }

  private judge(answers: string[]): DnsCheckOutcome {
    const missing = this.dns.expected.filter((value) => !answers.some(matches(this.dns, value)));
    this.assertions.push({
      type: 'dns_answer',
      target: this.dns.recordType,
      expected: this.dns.expected,
      actual: answers,
      passed: missing.length === 0,
    });
    const listed = `${this.question}: ${answers.join(', ')}`;
    if (missing.length) {
      const message = `${this.question}: expected ${missing.join(', ')} not among the answers (${answers.join(', ')})`;
      return this.report('down', 'assertion', message);
    }
    const { maxLatencyMs } = this.spec;
    if (maxLatencyMs === null) return this.report('up', null, listed);
    const slow = this.latencyMs > maxLatencyMs;
    this.assertions.push({
      type: 'latency',
      expected: maxLatencyMs,
      actual: this.latencyMs,
      passed: !slow,
    });
    if (!slow) return this.report('up', null, listed);
    const message = `${listed}; latency ${this.latencyMs} ms above limit ${maxLatencyMs} ms`;
    return this.report('degraded', null, message);
  }

  private failed(err: unknown, deadline: QueryDeadline): DnsCheckOutcome {
    const server = this.dns.resolver ?? 'the system resolver';
    const code = errorCode(err);
    // The step that failed, as HTTP checks list theirs: the deadline, or the answer's error code.
    if (deadline.timedOut || code === 'ETIMEOUT') {
      const { timeoutMs } = this.spec;
      this.assertions.push({ type: 'latency', target: 'dns', expected: timeoutMs, passed: false });
      const message = `timed out after ${timeoutMs} ms waiting for ${server} (${this.question})`;
      return this.report('down', 'timeout', message);
    }
    if (deadline.cancelled)
      return this.report('down', 'prober_error', 'check cancelled by the prober');
    const reason =
      (code && FAILURE_REASONS[code]) ?? (err instanceof Error ? err.message : String(err));
    this.assertions.push({
      type: 'dns_answer',
      target: this.dns.recordType,
      expected: this.dns.expected,
      actual: code ?? reason,
      passed: false,
    });
    const message = `DNS query ${this.question} at ${server} failed: ${reason}`;
    return this.report('down', 'dns', message);
  }

  report(outcome: CheckOutcome, errorKind: ErrorKind | null, message: string): DnsCheckOutcome {
    return {
      startedAt: this.startedAt,
      outcome,
      errorKind,
      httpStatus: null,
      latencyMs: this.latencyMs,
      timings: {
        dnsMs: this.latencyMs,
        connectMs: null,
        tlsMs: null,
        firstByteMs: null,
        transferMs: null,
      },
      sizeBytes: 0,
      message:
        message.length > MAX_MESSAGE_LENGTH
          ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`
          : message,
      certificateExpiresAt: null,
      assertions: this.assertions,
    };
  }
}

/**
 * The check's own deadline over the resolver's: c-ares times each try out on its own schedule, so
 * the timer cancels the query at `timeoutMs` whatever c-ares would do; the caller's signal too.
 */
class QueryDeadline {
  timedOut = false;
  private readonly timer: NodeJS.Timeout;
  private readonly cancel = () => this.resolver.cancel();

  constructor(
    private readonly resolver: Resolver,
    timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.resolver.cancel();
    }, timeoutMs);
    if (signal?.aborted) this.cancel();
    else signal?.addEventListener('abort', this.cancel);
  }

  get cancelled(): boolean {
    return this.signal?.aborted === true;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.cancel);
  }
}

/**
 * Whether an answer satisfies an expected value: addresses compared in canonical form, names
 * case-insensitively, an MX host with any preference unless the value names one, TXT exactly.
 */
function matches(dns: DnsSettings, expected: string): (answer: string) => boolean {
  switch (dns.recordType) {
    case 'A':
    case 'AAAA': {
      const ip = canonicalIp(expected);
      return (answer) => answer === ip;
    }
    case 'CNAME':
    case 'NS': {
      const name = canonicalDnsName(expected);
      return (answer) => answer === name;
    }
    case 'MX': {
      const [, preference, host = expected] = /^(?:(\d+)\s+)?(.+)$/.exec(expected.trim()) ?? [];
      const wanted = canonicalDnsName(host);
      return (answer) => {
        const [answerPreference, answerHost] = answer.split(' ');
        return (
          answerHost === wanted && (preference === undefined || preference === answerPreference)
        );
      };
    }
    case 'TXT':
      return (answer) => answer === expected;
  }
}

/** `2001:DB8:0::1` → `2001:db8::1`, the form resolvers return: IPv6 written many ways. */
function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
