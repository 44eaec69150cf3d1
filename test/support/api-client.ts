export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as is, for malformed-body tests. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A thin REST client over the gateway, as a user's script would use it. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = options.rawBody ?? JSON.stringify(options.body);
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    // Answers that are not JSON (a YAML export) come back as their text.
    const json = /json/.test(res.headers.get('content-type') ?? '');
    return {
      status: res.status,
      headers: res.headers,
      body: (text ? (json ? JSON.parse(text) : text) : undefined) as T,
    };
  }

  /** A request whose answer is text (a YAML export), or whose body is text of `contentType`. */
  async text(
    method: string,
    path: string,
    options: { token?: string; body?: string; contentType?: string } = {},
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.contentType) headers['content-type'] = options.contentType;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: options.body });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  get<T = Record<string, unknown>>(path: string, token?: string) {
    return this.request<T>('GET', path, { token });
  }

  post<T = Record<string, unknown>>(path: string, body?: unknown, token?: string) {
    return this.request<T>('POST', path, { body, token });
  }

  patch<T = Record<string, unknown>>(path: string, body: unknown, token?: string) {
    return this.request<T>('PATCH', path, { body, token });
  }

  delete<T = Record<string, unknown>>(path: string, token?: string) {
    return this.request<T>('DELETE', path, { token });
  }

  /** Creates a webhook channel posting to `url`, signed with `secret`; its id. */
  async newWebhookChannel(
    token: string,
    name: string,
    url: string,
    secret = 'a-webhook-secret-of-some-length',
  ): Promise<string> {
    const channel = await this.post<{ id: string }>(
      '/api/v1/channels',
      { name, type: 'webhook', config: { url, secret } },
      token,
    );
    if (channel.status !== 201)
      throw new Error(`channel failed: ${channel.status} ${JSON.stringify(channel.body)}`);
    return channel.body.id;
  }

  /** Registers a fresh user and logs in; returns its tokens. */
  async newUser(prefix = 'user'): Promise<{
    email: string;
    password: string;
    accessToken: string;
    refreshToken: string;
    id: string;
  }> {
    const email = `${prefix}-${Math.random().toString(36).slice(2, 10)}@example.test`;
    const password = 'correct horse battery';
    const registered = await this.post<{ id: string }>('/api/v1/auth/register', {
      email,
      password,
    });
    if (registered.status !== 201)
      throw new Error(`register failed: ${registered.status} ${JSON.stringify(registered.body)}`);
    const login = await this.post<{ accessToken: string; refreshToken: string }>(
      '/api/v1/auth/login',
      { email, password },
    );
    if (login.status !== 200)
      throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
    return { email, password, id: registered.body.id, ...login.body };
  }
}
