import { type ProbeSpec, probeUserAgent } from '@uptime/contracts';
import type { Dispatcher } from 'undici';
import { CheckFailure } from './check-failure';

export const MAX_REDIRECTS = 5;

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
/** Headers meant for the monitored origin only; a redirect to another origin does not get them. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host'];

/** What one hop sends: the spec's request first, then what each redirect makes of it. */
export interface HopRequest {
  method: ProbeSpec['method'];
  headers: Record<string, string>;
  body: string | null;
}

/**
 * The first hop's request. The probe's `User-Agent` names the platform and region; a monitor's
 * own User-Agent is kept and the probe's appended as one more product token, so that a target
 * still sees what the user asked for and the region stays visible.
 */
export function initialRequest(
  spec: ProbeSpec,
  userAgent: string = probeUserAgent('unknown'),
): HopRequest {
  // A Map, then own properties: a header named __proto__ must stay a header.
  const headers = new Map([['user-agent', userAgent]]);
  for (const [name, value] of Object.entries(spec.headers)) {
    const key = name.toLowerCase();
    if (ENGINE_HEADERS.has(key)) continue;
    headers.set(key, key === 'user-agent' ? `${value} ${userAgent}` : value);
  }
  return { method: spec.method, headers: Object.fromEntries(headers), body: spec.body };
}

/** Where a response sends the check next, or null when it is not a redirect. */
export function redirectLocation(response: Dispatcher.ResponseData): string | null {
  if (!REDIRECT_STATUSES.has(response.statusCode)) return null;
  const header = response.headers.location;
  const location = Array.isArray(header) ? header[0] : header;
  return location ? location : null;
}

/** The next hop's URL; a redirect past the limit or to a non-HTTP location fails the check. */
export function redirectTarget(from: URL, location: string, redirects: number): URL {
  if (redirects === MAX_REDIRECTS) {
    throw new CheckFailure(
      'too_many_redirects',
      `more than ${MAX_REDIRECTS} redirects; the last one pointed to ${location}`,
    );
  }
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
export function redirectedRequest(
  request: HopRequest,
  status: number,
  from: URL,
  to: URL,
): HopRequest {
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
