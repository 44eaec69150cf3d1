import { request } from 'undici';
import { DeliveryError, scrubSecrets } from './channel-provider';

export const USER_AGENT = 'uptime-platform-notifier/1.0';
/** A receiver that takes longer than this holds up every alert queued behind it. */
export const DEFAULT_POST_TIMEOUT_MS = 10_000;
/** Enough of an error body to show the receiver's reason (`invalid_token`, `no_service`). */
const REASON_BYTES = 300;

export interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Values that must not appear in an error message, e.g. a URL that is itself a credential. */
  secrets?: readonly string[];
  /** How the receiver is named in errors, e.g. `webhook` or `Slack`. */
  receiver: string;
}

/**
 * POSTs a JSON body and resolves on a 2xx answer. Redirects are not followed: a receiver that
 * moved must be reconfigured, and following one would send the payload somewhere unchecked.
 */
export async function postJson(url: string, body: string, options: PostOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_POST_TIMEOUT_MS;
  const secrets = options.secrets ?? [];
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
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
    throw new DeliveryError(
      scrubSecrets(`${options.receiver} ${unreachable(err, timeoutMs)}`, secrets),
    );
  }
  const { statusCode } = response;
  if (statusCode >= 200 && statusCode < 300) {
    // The socket goes back to the pool only once the body is consumed.
    await response.body.dump();
    return;
  }
  const reason = await readReason(response.body);
  const moved = statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : '';
  const said = reason ? `: ${reason}` : '';
  throw new DeliveryError(
    scrubSecrets(`${options.receiver} answered HTTP ${statusCode}${moved}${said}`, secrets),
    { status: statusCode, retryable: isRetryableStatus(statusCode) },
  );
}

/** Server trouble and rate limits pass; a wrong URL or a refused payload does not. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function unreachable(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `did not answer within ${timeoutMs} ms`;
  }
  const code = errorCode(err);
  const text = err instanceof Error ? err.message : String(err);
  return code && !text.includes(code)
    ? `could not be reached: ${text} (${code})`
    : `could not be reached: ${text}`;
}

async function readReason(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= REASON_BYTES) break;
    }
  } catch {
    // The status already says what matters; a body cut short only loses the detail.
  } finally {
    body.destroy();
  }
  const text = Buffer.concat(chunks).toString('utf8').slice(0, REASON_BYTES);
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const own = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  if (own) return own;
  // undici puts the socket's error under `cause`.
  return 'cause' in err ? errorCode(err.cause) : undefined;
}
