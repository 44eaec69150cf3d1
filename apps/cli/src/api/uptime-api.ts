import type { TokenPair } from '@uptime/contracts';
import type { CredentialStore, StoredSession } from '../credentials/credential-store';
import { ApiError, ConnectionError, NotLoggedInError, type ProblemBody } from './api-error';

/** An access token this close to its expiry is renewed first: it could expire on the way. */
const EXPIRY_MARGIN_MS = 30_000;
/** Longer than the slowest answer (an on-demand check waits for the monitor's timeout + 2 s). */
const REQUEST_TIMEOUT_MS = 120_000;

export interface ApiOptions {
  /** An API key (`upk_...`), sent as the bearer; the stored login is not used then. */
  apiKey?: string;
  /** Where `uptime login` keeps the tokens. */
  store: CredentialStore;
  /** Sent as X-Team-Id. */
  team?: string;
}

/** A request body as sent: its text and its media type. */
export interface Payload {
  text: string;
  contentType: string;
}

/**
 * The platform's REST API at `${url}/api/v1`, authenticated with the API key or else the stored
 * login, whose access token is renewed with its refresh token when it has expired (or is
 * refused), and the new pair stored: each refresh token works once.
 */
export class UptimeApi {
  constructor(
    readonly url: string,
    private readonly options: ApiOptions,
  ) {}

  login(email: string, password: string): Promise<TokenPair> {
    return this.json<TokenPair>('POST', '/auth/login', jsonPayload({ email, password }), false);
  }

  get<T>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  post<T>(path: string, payload?: Payload): Promise<T> {
    return this.json<T>('POST', path, payload);
  }

  async text(path: string, accept: string): Promise<string> {
    const res = await this.send('GET', path, { accept });
    return res.text();
  }

  /** Keeps the tokens of a login (or a refresh) for the next commands. */
  async keep(pair: TokenPair): Promise<void> {
    await this.options.store.put(this.url, sessionOf(pair));
  }

  private async json<T>(
    method: string,
    path: string,
    payload?: Payload,
    authenticated = true,
  ): Promise<T> {
    const res = await this.send(
      method,
      path,
      { accept: 'application/json' },
      payload,
      authenticated,
    );
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ConnectionError(`${this.url} answered ${path} with something that is not JSON`);
    }
  }

  private async send(
    method: string,
    path: string,
    headers: Record<string, string>,
    payload?: Payload,
    authenticated = true,
  ): Promise<Response> {
    const attempt = async (bearer?: string) =>
      this.fetch(
        method,
        path,
        {
          ...headers,
          ...(payload && { 'content-type': payload.contentType }),
          ...(bearer && { authorization: `Bearer ${bearer}` }),
          ...(this.options.team && { 'x-team-id': this.options.team }),
        },
        payload?.text,
      );
    if (!authenticated) return this.checked(await attempt());
    const session = this.options.apiKey ? undefined : await this.session();
    let res = await attempt(this.options.apiKey ?? session!.accessToken);
    // A stored token can be refused before its expiry (a new signing key, a revoked session):
    // one renewal, then the refusal stands.
    if (res.status === 401 && session) {
      await res.body?.cancel();
      res = await attempt((await this.renew(session)).accessToken);
    }
    return this.checked(res);
  }

  private async fetch(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<Response> {
    try {
      return await fetch(`${this.url}/api/v1${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ConnectionError(`cannot reach the platform at ${this.url} (${why})`);
    }
  }

  private async checked(res: Response): Promise<Response> {
    if (res.ok) return res;
    const text = await res.text();
    let problem: ProblemBody;
    try {
      problem = JSON.parse(text) as ProblemBody;
    } catch {
      problem = { title: `HTTP ${res.status} ${res.statusText}`.trim() };
    }
    throw new ApiError(res.status, problem);
  }

  private async session(): Promise<StoredSession> {
    const stored = await this.options.store.get(this.url);
    if (!stored)
      throw new NotLoggedInError(
        `not logged in to ${this.url}: run \`uptime login\` or set UPTIME_API_KEY`,
      );
    if (Date.parse(stored.expiresAt) - EXPIRY_MARGIN_MS > Date.now()) return stored;
    return this.renew(stored);
  }

  private async renew(session: StoredSession): Promise<StoredSession> {
    let pair: TokenPair;
    try {
      pair = await this.json<TokenPair>(
        'POST',
        '/auth/refresh',
        jsonPayload({ refreshToken: session.refreshToken }),
        false,
      );
    } catch (err) {
      if (err instanceof ApiError && err.status === 401)
        throw new NotLoggedInError(`the login to ${this.url} has expired: run \`uptime login\``);
      throw err;
    }
    await this.keep(pair);
    return sessionOf(pair);
  }
}

export function jsonPayload(body: unknown): Payload {
  return { text: JSON.stringify(body), contentType: 'application/json' };
}

function sessionOf(pair: TokenPair): StoredSession {
  return {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt: new Date(Date.now() + pair.expiresIn * 1000).toISOString(),
  };
}
