import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiStack } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

interface Tokens {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
}

describe('accounts and sessions', () => {
  let db: TestDatabase;
  let stack: ApiStack;

  before(async () => {
    db = await createTestDatabase();
    stack = await ApiStack.start(db.url);
  });
  after(async () => {
    await stack?.stop();
    await db?.drop();
  });

  describe('register', () => {
    it('should create an account and never return its password', async () => {
      const res = await stack.api.post('/api/v1/auth/register', {
        email: 'Ada@Example.test',
        password: 'long enough pw',
      });
      assert.equal(res.status, 201);
      assert.equal(res.body.email, 'ada@example.test');
      assert.match(String(res.body.id), /^[0-9a-f-]{36}$/);
      assert.deepEqual(Object.keys(res.body).sort(), ['createdAt', 'email', 'id']);
    });

    it('should answer 409 for an email that is taken, whatever its case', async () => {
      const res = await stack.api.post('/api/v1/auth/register', {
        email: 'ADA@example.test',
        password: 'another password',
      });
      assert.equal(res.status, 409);
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    });

    it('should name each bad field', async () => {
      const res = await stack.api.post<{ errors: { field: string }[] }>('/api/v1/auth/register', {
        email: 'not-an-email',
        password: 'short',
        role: 'admin',
      });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.errors.map((e) => e.field).sort(), ['email', 'password', 'role']);
    });

    it('should answer 400 to a body that is not JSON', async () => {
      const res = await stack.api.request('POST', '/api/v1/auth/register', {
        rawBody: '{"email": ',
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.title, 'Bad request');
    });
  });

  describe('login', () => {
    it('should return a bearer access token and a refresh token', async () => {
      const res = await stack.api.post<Tokens>('/api/v1/auth/login', {
        email: 'ada@example.test',
        password: 'long enough pw',
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.tokenType, 'Bearer');
      assert.equal(res.body.expiresIn, 900);
      assert.equal(res.body.accessToken.split('.').length, 3);
      assert.ok(res.body.refreshToken.length >= 32);
    });

    it('should answer 401 alike for a wrong password and an unknown email', async () => {
      const wrong = await stack.api.post('/api/v1/auth/login', {
        email: 'ada@example.test',
        password: 'not the password',
      });
      const unknown = await stack.api.post('/api/v1/auth/login', {
        email: 'nobody@example.test',
        password: 'whatever pw',
      });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.equal(wrong.body.detail, unknown.body.detail);
    });
  });

  describe('me', () => {
    it('should return the account of the access token', async () => {
      const user = await stack.api.newUser('me');
      const res = await stack.api.get('/api/v1/auth/me', user.accessToken);
      assert.equal(res.status, 200);
      assert.equal(res.body.email, user.email);
      assert.equal(res.body.id, user.id);
    });

    it('should answer 401 without a token, with a forged one, and with a refresh token', async () => {
      const user = await stack.api.newUser('me');
      const [header, payload] = user.accessToken.split('.');
      const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
      for (const token of [undefined, forged, user.refreshToken]) {
        const res = await stack.api.get('/api/v1/auth/me', token);
        assert.equal(res.status, 401, `token ${String(token)}`);
        assert.equal(res.body.type, '/problems/http-401');
      }
    });
  });

  describe('refresh', () => {
    it('should rotate: the new pair works, the old refresh token does not', async () => {
      const user = await stack.api.newUser('rotate');
      const rotated = await stack.api.post<Tokens>('/api/v1/auth/refresh', {
        refreshToken: user.refreshToken,
      });
      assert.equal(rotated.status, 200);
      assert.notEqual(rotated.body.refreshToken, user.refreshToken);
      assert.equal((await stack.api.get('/api/v1/auth/me', rotated.body.accessToken)).status, 200);
      const again = await stack.api.post<Tokens>('/api/v1/auth/refresh', {
        refreshToken: rotated.body.refreshToken,
      });
      assert.equal(again.status, 200);
    });

    it('should revoke the whole family when a used refresh token is replayed', async () => {
      const user = await stack.api.newUser('replay');
      const first = await stack.api.post<Tokens>('/api/v1/auth/refresh', {
        refreshToken: user.refreshToken,
      });
      assert.equal(first.status, 200);
      const replay = await stack.api.post('/api/v1/auth/refresh', {
        refreshToken: user.refreshToken,
      });
      assert.equal(replay.status, 401);
      assert.match(String(replay.body.detail), /already used/);
      const successor = await stack.api.post('/api/v1/auth/refresh', {
        refreshToken: first.body.refreshToken,
      });
      assert.equal(successor.status, 401, 'the legitimate successor is revoked too');
    });

    it('should leave other sessions of the same user alone', async () => {
      const user = await stack.api.newUser('families');
      const other = await stack.api.post<Tokens>('/api/v1/auth/login', {
        email: user.email,
        password: user.password,
      });
      await stack.api.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
      await stack.api.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
      const res = await stack.api.post('/api/v1/auth/refresh', {
        refreshToken: other.body.refreshToken,
      });
      assert.equal(res.status, 200);
    });

    it('should let only one of two concurrent uses of a token win', async () => {
      const user = await stack.api.newUser('race');
      const results = await Promise.all(
        [1, 2].map(() =>
          stack.api.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken }),
        ),
      );
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 401]);
    });

    it('should answer 401 to an unknown token and 400 to a missing one', async () => {
      assert.equal(
        (await stack.api.post('/api/v1/auth/refresh', { refreshToken: 'nope' })).status,
        401,
      );
      const missing = await stack.api.post<{ errors: { field: string }[] }>(
        '/api/v1/auth/refresh',
        {},
      );
      assert.equal(missing.status, 400);
      assert.deepEqual(
        missing.body.errors.map((e) => e.field),
        ['refreshToken'],
      );
    });
  });

  describe('logout', () => {
    it('should end the session so its refresh token no longer works', async () => {
      const user = await stack.api.newUser('logout');
      const res = await stack.api.post('/api/v1/auth/logout', { refreshToken: user.refreshToken });
      assert.equal(res.status, 204);
      assert.equal(
        (await stack.api.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken })).status,
        401,
      );
      assert.equal(
        (await stack.api.post('/api/v1/auth/logout', { refreshToken: user.refreshToken })).status,
        204,
      );
    });
  });
});

describe('rate limiting of register and login', () => {
  let db: TestDatabase;
  let stack: ApiStack;

  before(async () => {
    db = await createTestDatabase();
    stack = await ApiStack.start(db.url, { authRateLimitPerMinute: 3 });
  });
  after(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('should answer 429 problem+json with Retry-After past the limit', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await stack.api.post('/api/v1/auth/login', {
        email: 'x@example.test',
        password: 'whatever pw',
      });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    assert.equal(last!.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.ok(Number(last!.headers.get('retry-after')) > 0);
  });

  it('should not limit other routes', async () => {
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await stack.api.post('/api/v1/auth/refresh', { refreshToken: 'nope' })).status,
        401,
      );
    }
  });
});
