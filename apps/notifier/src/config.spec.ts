import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@uptime/config';
import { loadNotifierConfig } from './config';

const REQUIRED = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };

describe('loadNotifierConfig targets', () => {
  it('should let channels reach public addresses only by default', () => {
    const { targets } = loadNotifierConfig(REQUIRED);
    assert.equal(targets.refusal('127.0.0.1'), 'loopback');
    assert.equal(targets.refusal('93.184.215.14'), null);
  });

  it('should read PROBE_ALLOW_PRIVATE and PROBE_ALLOWED_CIDRS as the prober does', () => {
    const open = loadNotifierConfig({ ...REQUIRED, PROBE_ALLOW_PRIVATE: 'yes' }).targets;
    assert.equal(open.refusal('10.0.0.1'), null);
    assert.equal(open.refusal('fd00:ec2::254'), 'cloud metadata');
    const some = loadNotifierConfig({ ...REQUIRED, PROBE_ALLOWED_CIDRS: '127.0.0.0/8' }).targets;
    assert.equal(some.refusal('127.0.0.2'), null);
    assert.equal(some.refusal('10.0.0.1'), 'private');
  });

  it('should refuse to start on a malformed network or switch, naming the variable', () => {
    assert.throws(
      () =>
        loadNotifierConfig({
          ...REQUIRED,
          PROBE_ALLOWED_CIDRS: 'intranet',
          PROBE_ALLOW_PRIVATE: '2',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /PROBE_ALLOWED_CIDRS\.0: "intranet" is not a CIDR/);
        assert.match(err.message, /PROBE_ALLOW_PRIVATE: must be true or false/);
        return true;
      },
    );
  });
});
