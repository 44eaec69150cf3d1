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

describe('loadProberConfig region and canary', () => {
  it('should run in local with the canary off when nothing is set', () => {
    const config = loadProberConfig({});
    assert.equal(config.region, 'local');
    assert.equal(config.canaryUrl, undefined);
    assert.equal(config.canaryIntervalSeconds, 5);
  });

  it('should take the one region of REGIONS, or REGION when it is one of them', () => {
    assert.equal(loadProberConfig({ REGIONS: 'eu' }).region, 'eu');
    assert.equal(loadProberConfig({ REGIONS: 'eu,us', REGION: 'us' }).region, 'us');
    assert.equal(loadProberConfig({ REGION: 'ap' }).region, 'ap', 'REGIONS unset: not checked');
  });

  it('should refuse a REGION outside REGIONS, or none among several, naming REGION', () => {
    assert.throws(
      () => loadProberConfig({ REGIONS: 'eu,us', REGION: 'default' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /REGION: must be one of REGIONS \(eu, us\) \(got "default"\)/);
        return true;
      },
    );
    assert.throws(
      () => loadProberConfig({ REGIONS: 'eu,us' }),
      /REGION: must name this prober's region/,
    );
  });

  it('should take an http(s) canary URL and refuse anything else', () => {
    const config = loadProberConfig({
      PROBE_CANARY_URL: 'http://gateway:3000/health/live',
      PROBE_CANARY_INTERVAL_SECONDS: '2',
    });
    assert.equal(config.canaryUrl, 'http://gateway:3000/health/live');
    assert.equal(config.canaryIntervalSeconds, 2);
    assert.throws(
      () => loadProberConfig({ PROBE_CANARY_URL: 'ftp://gateway/health' }),
      /PROBE_CANARY_URL: must be an http\(s\) URL/,
    );
  });
});
