import { STATUS_CODES } from 'node:http';
import { BlockedTargetError, type BlockedTargetLog, type TargetPolicy } from '@uptime/target-guard';
import { Agent, buildConnector, request } from 'undici';
import { DeliveryError, scrubSecrets } from './channel-provider';

export const USER_AGENT = 'uptime-platform-notifier/1.0';
/** A receiver that takes longer than this holds up every alert queued behind it. */
export const DEFAULT_POST_TIMEOUT_MS = 10_000;

/** What a provider that posts to its channels' URLs is built with. */
export interface ReceiverOptions {
  timeoutMs?: number;
  /** Which addresses channel URLs may reach; public ones only unless the deployment says more. */
  targets?: TargetPolicy;
  /** Counts and logs refused deliveries. */
  blocked?: BlockedTargetLog;
}

export interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Values that must not appear in an error message, e.g. a URL that is itself a credential. */
  secrets?: readonly string[];
  /** How the receiver is named in errors, e.g. `webhook` or `Slack`. */
  receiver: string;
}

/**
 * POSTs alerts to the URLs of channels, which are user input: every connection goes through the
 * target guard on the address it dials, as a probe's does, under the same settings.
 *
 * Redirects are refused, not followed: a receiver that moved must be reconfigured. Following one
 * would send a signed alert somewhere its owner never chose, and each hop would be one more
 * target to guard; Slack and webhook receivers answer where they are asked.
 *
 * A receiver's response body is never read into an error: the error becomes the alert's
 * `lastError`, shown by the API, and an answer read back is what turns a blind request into a
 * way of reading internal services. Only the status and fixed words leave this function.
 */
export class ReceiverClient {
  private readonly agent: Agent;

  /** `blocked` counts and logs refused deliveries; the alert's `lastError` reports each anyway. */
  constructor(
    private readonly targets: TargetPolicy,
    private readonly blocked?: BlockedTargetLog,
  ) {
    const connect = buildConnector({ lookup: targets.lookup });
    this.agent = new Agent({
      connect: (options, callback) => {
        // Node never calls `lookup` for an IP literal; judge it here, before any socket exists.
        const refused = targets.refusedLiteral(options.hostname);
        if (refused) return callback(refused, null);
        return connect(options, callback);
      },
    });
  }

  /**
   * Why `url` cannot be posted to, when its host is an IP literal the target guard refuses; null
   * for anything else, names included: they are judged on each connection, after DNS.
   */
  refusedLiteral(url: string): string | null {
    return this.targets.refusedLiteral(new URL(url).hostname)?.message ?? null;
  }

  /** Resolves on a 2xx answer; anything else rejects with a DeliveryError. */
  async postJson(url: string, body: string, options: PostOptions): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_POST_TIMEOUT_MS;
    const secrets = options.secrets ?? [];
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        dispatcher: this.agent,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          ...options.headers,
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const error = notSent(err, options.receiver, timeoutMs, secrets);
      const refusal = blockedTarget(err);
      if (refusal) this.blocked?.record(refusal.reason, error.message);
      throw error;
    }
    const { statusCode } = response;
    const retryAfterMs =
      statusCode === 429 || statusCode === 503
        ? await retryAfterOf(response.headers, response.body)
        : null;
    // Drained unread: the socket goes back to the pool only once the body is consumed.
    await response.body.dump().catch(() => undefined);
    if (statusCode >= 200 && statusCode < 300) return;
    const wait = retryAfterMs === null ? '' : ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)`;
    throw new DeliveryError(
      scrubSecrets(`${options.receiver} answered ${statusWords(statusCode)}${wait}`, secrets),
      { status: statusCode, retryable: isRetryableStatus(statusCode), retryAfterMs },
    );
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** A receiver that asks for more than this is retried after this anyway. */
export const MAX_RETRY_AFTER_MS = 3_600_000;
/** A rate limit answer is small; anything longer is not read for its delay. */
const MAX_RATE_LIMIT_BODY = 4096;

type ResponseHeaders = Record<string, string | string[] | undefined>;

/**
 * The delay a 429 or 503 asks for: the `Retry-After` header (seconds or an HTTP date), else a
 * JSON body's `retry_after` in seconds (Discord) or `parameters.retry_after` (Telegram). Only a
 * number leaves this function, so reading the body tells a channel's owner nothing else.
 */
async function retryAfterOf(
  headers: ResponseHeaders,
  body: Awaited<ReturnType<typeof request>>['body'],
): Promise<number | null> {
  const header = headers['retry-after'];
  const fromHeader = retryAfterHeaderMs(Array.isArray(header) ? header[0] : header);
  if (fromHeader !== null) return fromHeader;
  const type = headers['content-type'];
  if (typeof type !== 'string' || !type.includes('json')) return null;
  try {
    const text = await boundedText(body, MAX_RATE_LIMIT_BODY);
    return text === null ? null : retryAfterBodyMs(JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

/** The body as text, or null once it grows past `max` bytes (the rest is left to be dumped). */
async function boundedText(body: AsyncIterable<Buffer>, max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function retryAfterHeaderMs(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined || value.trim() === '') return null;
  const text = value.trim();
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  return Number.isFinite(ms) ? boundedDelay(ms) : null;
}

export function retryAfterBodyMs(body: unknown): number | null {
  if (typeof body !== 'object' || body === null) return null;
  const record = body as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
  const seconds = record.retry_after ?? record.parameters?.retry_after;
  return typeof seconds === 'number' && Number.isFinite(seconds)
    ? boundedDelay(seconds * 1000)
    : null;
}

function boundedDelay(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}

/** Server trouble and rate limits pass; a wrong URL or a refused payload does not. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** `HTTP 404 Not Found`: the status and Node's fixed phrase for it, never the receiver's. */
function statusWords(status: number): string {
  const phrase = STATUS_CODES[status];
  const words = phrase ? `HTTP ${status} ${phrase}` : `HTTP ${status}`;
  return status >= 300 && status < 400 ? `${words} (redirects are not followed)` : words;
}

function notSent(
  err: unknown,
  receiver: string,
  timeoutMs: number,
  secrets: readonly string[],
): DeliveryError {
  const blocked = blockedTarget(err);
  if (blocked) {
    // Retrying cannot help until the channel's URL or the deployment's settings change.
    return new DeliveryError(
      scrubSecrets(`${receiver} URL refused (blocked_target): ${blocked.message}`, secrets),
      { retryable: false },
    );
  }
  return new DeliveryError(scrubSecrets(`${receiver} ${unreachable(err, timeoutMs)}`, secrets));
}

function blockedTarget(err: unknown): BlockedTargetError | null {
  if (err instanceof BlockedTargetError) return err;
  // undici may wrap the connector's error.
  return err instanceof Error && err.cause !== undefined ? blockedTarget(err.cause) : null;
}

function unreachable(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `did not answer within ${timeoutMs} ms`;
  }
  const code = errorCode(err);
  // A parser error can quote the bytes the receiver sent; its code says enough.
  if ((err instanceof Error && err.name === 'HTTPParserError') || code?.startsWith('HPE_')) {
    return `sent an invalid HTTP response${code ? ` (${code})` : ''}`;
  }
  const text = err instanceof Error ? err.message : String(err);
  return code && !text.includes(code)
    ? `could not be reached: ${text} (${code})`
    : `could not be reached: ${text}`;
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const own = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  if (own) return own;
  // undici puts the socket's error under `cause`.
  return 'cause' in err ? errorCode(err.cause) : undefined;
}
