import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ApiKeyCreateSchema, apiKeyHash, hasApiKeyShape, isApiKeyLike } from './api-keys';

const DAY_MS = 86_400_000;
const key = `upk_${'A'.repeat(40)}b-_`;

describe('API key format', () => {
  it('should tell a key from an access token by its prefix, and check its exact shape', () => {
    assert.equal(isApiKeyLike(key), true);
    assert.equal(isApiKeyLike('eyJhbGciOiJIUzI1NiJ9.e30.x'), false);
    assert.equal(hasApiKeyShape(key), true);
    assert.equal(hasApiKeyShape(`${key}x`), false, 'one character too many');
    assert.equal(hasApiKeyShape(key.slice(0, -1)), false, 'one character too few');
    assert.equal(hasApiKeyShape(`upk_${'A'.repeat(42)}=`), false, 'padding is not base64url');
  });

  it('should hash a key to its SHA-256 in hex, as the registry stores it', () => {
    assert.equal(apiKeyHash(key), createHash('sha256').update(key).digest('hex'));
    assert.match(apiKeyHash(key), /^[0-9a-f]{64}$/);
  });
});

describe('ApiKeyCreateSchema', () => {
  const body = (expiresAt?: string) => ({ name: 'ci', role: 'editor', expiresAt });
  const messages = (value: unknown) =>
    ApiKeyCreateSchema.safeParse(value).error?.issues.map(
      (i) => `${i.path.join('.')} ${i.message}`,
    );

  it('should take a key without expiry, or one expiring within two years', () => {
    assert.equal(messages(body()), undefined);
    assert.equal(messages(body(new Date(Date.now() + 700 * DAY_MS).toISOString())), undefined);
  });

  it('should refuse an expiry in the past, too far ahead, or not a date-time, once each', () => {
    assert.deepEqual(messages(body(new Date(Date.now() - 1000).toISOString())), [
      'expiresAt must be in the future',
    ]);
    assert.deepEqual(messages(body(new Date(Date.now() + 800 * DAY_MS).toISOString())), [
      'expiresAt must be at most 732 days from now',
    ]);
    assert.deepEqual(messages(body('next week')), [
      'expiresAt must be an ISO 8601 date-time with a time zone',
    ]);
  });
});
