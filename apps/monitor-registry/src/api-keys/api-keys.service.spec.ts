import { API_KEY_SHOWN_LENGTH, hasApiKeyShape, isApiKeyLike } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mintApiKey } from './api-keys.service';

describe('mintApiKey', () => {
  it('should mint keys of the published shape, each different', () => {
    const keys = Array.from({ length: 1000 }, mintApiKey);
    for (const key of keys) {
      assert.ok(isApiKeyLike(key) && hasApiKeyShape(key), key);
    }
    assert.equal(new Set(keys).size, keys.length);
    // What is shown of a key (its prefix) leaves 35 of its 43 random characters unseen.
    assert.equal(API_KEY_SHOWN_LENGTH, 12);
  });
});
