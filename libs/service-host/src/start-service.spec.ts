import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startErrorText } from './start-service';

describe('startErrorText', () => {
  it('should hide the credentials of a URL a driver quotes in its error', () => {
    const text = startErrorText(
      new Error('connect failed for postgres://app:hunter2@db:5432/uptime and nats://t0ken@nats'),
    );
    assert.equal(text, 'connect failed for postgres://***@db:5432/uptime and nats://***@nats');
  });

  it('should keep one problem per line and escape what could forge another', () => {
    const text = startErrorText(
      new Error('Invalid configuration:\n  - PORT: bad\n  - X: got "a\r[Nest] 1 - forged"'),
    );
    assert.deepEqual(text.split('\n'), [
      'Invalid configuration:',
      '  - PORT: bad',
      '  - X: got "a\\r[Nest] 1 - forged"',
    ]);
  });
});
