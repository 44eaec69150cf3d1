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

/** One request to the API; `anonymous` ones (login, refresh) carry no credentials. */
interface ApiRequest {
  method: string;
  path: string;
  accept: string;
  payload?: Payload;
  anonymous?: boolean;
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
    const payload = jsonPayload({ email, password });
    return this.json<TokenPair>({ method: 'POST', path: '/auth/login', payload, anonymous: true });
  }

  get<T>(path: string): Promise<T> {
    return this.json<T>({ method: 'GET', path });
  }

  post<T>(path: string, payload?: Payload): Promise<T> {
    return this.json<T>({ method: 'POST', path, ...(payload && { payload }) });
  }

  async text(path: string, accept: string): Promise<string> {
    const res = await this.send({ method: 'GET', path, accept });
    return res.text();
  }

  /** Keeps the tokens of a login (or a refresh) for the next commands. */
  async keep(pair: TokenPair): Promise<void> {
    await this.options.store.put(this.url, sessionOf(pair));
  }

  private async json<T>(request: Omit<ApiRequest, 'accept'>): Promise<T> {
    const res = await this.send({ ...request, accept: 'application/json' });
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ConnectionError(
        `${this.url} answered ${request.path} with something that is not JSON`,
      );
    }
  }

  private async send(request: ApiRequest): Promise<Response> {
    if (request.anonymous) return this.checked(await this.fetch(request));
    if (this.options.apiKey) return this.checked(await this.fetch(request, this.options.apiKey));
    const session = await this.session();
    const res = await this.fetch(request, session.accessToken);
    if (res.status !== 401) return this.checked(res);
    // A stored token can be refused before its expiry (a new signing key, a revoked session):
    // one renewal, then the refusal stands.
    await res.body?.cancel();
    return this.checked(await this.fetch(request, (await this.renew(session)).accessToken));
  }

  private async fetch(request: ApiRequest, bearer?: string): Promise<Response> {
    const { method, path, accept, payload } = request;
    const headers: Record<string, string> = {
      accept,
      ...(payload && { 'content-type': payload.contentType }),
      ...(bearer && { authorization: `Bearer ${bearer}` }),
      ...(this.options.team && { 'x-team-id': this.options.team }),
    };
    try {
      return await fetch(`${this.url}/api/v1${path}`, {
        method,
        headers,
        body: payload?.text,
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
    const payload = jsonPayload({ refreshToken: session.refreshToken });
    let pair: TokenPair;
    try {
      pair = await this.json<TokenPair>({
        method: 'POST',
        path: '/auth/refresh',
        payload,
        anonymous: true,
      });
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
