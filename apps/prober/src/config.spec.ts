import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@uptime/config';
import { loadProberConfig } from './config';

describe('loadProberConfig targets', () => {
  it('should allow public targets only by default', () => {
    const { targets } = loadProberConfig({});
    assert.equal(targets.allowPrivate, false);
    assert.equal(targets.refusal('127.0.0.1'), 'loopback');
    assert.equal(targets.refusal('8.8.8.8'), null);
  });

  it('should allow the networks PROBE_ALLOWED_CIDRS names, and no others', () => {
    const { targets } = loadProberConfig({ PROBE_ALLOWED_CIDRS: '10.0.0.0/8,fd00::/8' });
    assert.equal(targets.refusal('10.1.2.3'), null);
    assert.equal(targets.refusal('fd00::5'), null);
    assert.equal(targets.refusal('127.0.0.1'), 'loopback');
  });

  it('should let PROBE_ALLOW_PRIVATE open everything but cloud metadata', () => {
    const { targets } = loadProberConfig({ PROBE_ALLOW_PRIVATE: 'true' });
    assert.equal(targets.refusal('127.0.0.1'), null);
    assert.equal(targets.refusal('169.254.169.254'), 'cloud metadata');
  });

  it('should refuse to start on a malformed network, naming the variable', () => {
    assert.throws(
      () => loadProberConfig({ PROBE_ALLOWED_CIDRS: '10.0.0.0/8, 192.168.1.1/16' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(
          err.message,
          /PROBE_ALLOWED_CIDRS\.1: "192\.168\.1\.1\/16" has host bits set; the network is 192\.168\.0\.0\/16/,
        );
        return true;
      },
    );
  });
});
