import type { FieldError, Problem, TokenPair } from './types';

/** Every call goes to the public REST API of the gateway that served the page. */
const API = '/api/v1';
const SESSION_KEY = 'uptime.session';
/** The team the dashboard acts in, sent as `X-Team-Id`; absent, the API uses the personal team. */
const TEAM_KEY = 'uptime.team';
/** Refresh this long before the access token expires, so no request meets an expired one. */
const REFRESH_MARGIN_MS = 60_000;

interface Session {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, in ms since the epoch. */
  expiresAt: number;
}

/** An answer that was not 2xx: its problem+json, with the field errors by field name. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
  }

  /** `{ url: 'must be an absolute URL…' }`: the first message per field, as forms show them. */
  get fieldErrors(): Record<string, string> {
    const byField: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) byField[e.field] ??= e.message;
    return byField;
  }

  get errors(): FieldError[] {
    return this.problem.errors ?? [];
  }
}

let session: Session | null = readSession();
let refreshing: Promise<Session | null> | null = null;
const listeners = new Set<(signedIn: boolean) => void>();

function readSession(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function setSession(next: Session | null): void {
  const was = session !== null;
  session = next;
  if (next) localStorage.setItem(SESSION_KEY, JSON.stringify(next));
  else {
    localStorage.removeItem(SESSION_KEY);
    // The next user of this browser starts in their own personal team, not this one's choice.
    localStorage.removeItem(TEAM_KEY);
  }
  if (was !== (next !== null)) listeners.forEach((l) => l(next !== null));
}

function sessionOf(pair: TokenPair): Session {
  return {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt: Date.now() + pair.expiresIn * 1000,
  };
}

export const auth = {
  signedIn: () => session !== null,
  onChange(listener: (signedIn: boolean) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  async signIn(email: string, password: string): Promise<void> {
    const pair = await request<TokenPair>('POST', '/auth/login', { email, password }, false);
    setSession(sessionOf(pair));
  },
  async register(email: string, password: string): Promise<void> {
    await request('POST', '/auth/register', { email, password }, false);
    await auth.signIn(email, password);
  },
  async signOut(): Promise<void> {
    const current = session;
    setSession(null);
    // Revoke the refresh token too, so a copy of it is worth nothing; the page is signed out anyway.
    if (current) {
      await request('POST', '/auth/logout', { refreshToken: current.refreshToken }, false).catch(
        () => undefined,
      );
    }
  },
};

/** The active team: every signed-in request acts in it (the next user starts from their own). */
export const activeTeam = {
  get: (): string | null => localStorage.getItem(TEAM_KEY),
  set(teamId: string | null): void {
    if (teamId) localStorage.setItem(TEAM_KEY, teamId);
    else localStorage.removeItem(TEAM_KEY);
  },
};

/**
 * A fresh access token: the stored one, or a rotated pair when it is about to expire. One
 * refresh at a time: a refresh token works once, and a second use would revoke the session.
 */
async function accessToken(force = false): Promise<string | null> {
  if (!session) return null;
  if (!force && session.expiresAt - Date.now() > REFRESH_MARGIN_MS) return session.accessToken;
  refreshing ??= rotate(session.refreshToken).finally(() => {
    refreshing = null;
  });
  return (await refreshing)?.accessToken ?? null;
}

async function rotate(refreshToken: string): Promise<Session | null> {
  try {
    const pair = await request<TokenPair>('POST', '/auth/refresh', { refreshToken }, false);
    const next = sessionOf(pair);
    setSession(next);
    return next;
  } catch (err) {
    // Refused (expired, revoked): the user signs in again. A network failure keeps the session.
    if (err instanceof ApiError && err.status < 500) setSession(null);
    return null;
  }
}

async function send(method: string, path: string, body: unknown, token: string | null) {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const team = token ? activeTeam.get() : null;
  if (team) headers['X-Team-Id'] = team;
  return fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function problemOf(res: Response): Promise<Problem> {
  try {
    return (await res.json()) as Problem;
  } catch {
    return { type: 'about:blank', title: res.statusText || 'Request failed', status: res.status };
  }
}

/** An authorised request: on a 401 the token is refreshed once and the request repeated. */
async function authorised(method: string, path: string, body?: unknown): Promise<Response> {
  let res = await send(method, path, body, await accessToken());
  if (res.status === 401 && session) {
    const token = await accessToken(true);
    if (token) res = await send(method, path, body, token);
  }
  if (res.status === 401) setSession(null);
  return res;
}

export async function request<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  signedIn = true,
): Promise<T> {
  const res = signedIn
    ? await authorised(method, path, body)
    : await send(method, path, body, null);
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: (path: string) => request<void>('DELETE', path),
};

/** A query string from the defined values: `?a=1&b=x`, or '' without any. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Downloads a file the API answers only with the bearer token (a plain link would carry none):
 * fetched, then saved from a blob URL under the name the server gives, or `fallbackName`.
 */
export async function download(path: string, fallbackName: string): Promise<void> {
  const res = await authorised('GET', path);
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  const name = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') ?? '')?.[1];
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name ?? fallbackName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
