import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback, loadPlatformConfig } from './config';

describe('platform configuration', () => {
  it('should listen on loopback by default and then allow private targets', () => {
    const config = loadPlatformConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.probeAllowPrivate, true);
  });

  it('should refuse private targets when HOST reaches other machines, unless the operator allows them', () => {
    assert.equal(loadPlatformConfig({ HOST: '0.0.0.0' }).probeAllowPrivate, false);
    assert.equal(loadPlatformConfig({ HOST: '192.168.1.10' }).probeAllowPrivate, false);
    assert.equal(
      loadPlatformConfig({ HOST: '0.0.0.0', PROBE_ALLOW_PRIVATE: 'true' }).probeAllowPrivate,
      true,
    );
    assert.equal(
      loadPlatformConfig({ HOST: '127.0.0.1', PROBE_ALLOW_PRIVATE: 'false' }).probeAllowPrivate,
      false,
      'an explicit false wins on loopback too',
    );
  });

  it('should tell loopback hosts from the others', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      assert.equal(isLoopback(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1'])
      assert.equal(isLoopback(host), false, host);
  });

  it('should refuse a short JWT_SECRET without printing it', () => {
    assert.throws(
      () => loadPlatformConfig({ JWT_SECRET: 'hunter2-is-my-secret' }),
      (err: Error) => {
        assert.match(err.message, /JWT_SECRET: must be at least 32 characters/);
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      },
    );
  });

  it('should run one prober region, local, by default', () => {
    const config = loadPlatformConfig({});
    assert.deepEqual(config.regions, ['local']);
    assert.deepEqual(config.probeRegions, ['local']);
    assert.equal(config.canaryUrl, undefined);
  });

  it("should run a prober per region of PROBE_REGIONS, and make them the platform's regions", () => {
    const config = loadPlatformConfig({ PROBE_REGIONS: 'eu, us' });
    assert.deepEqual(config.probeRegions, ['eu', 'us']);
    assert.deepEqual(config.regions, ['eu', 'us']);
  });

  it('should probe every region of REGIONS unless PROBE_REGIONS names some of them', () => {
    assert.deepEqual(loadPlatformConfig({ REGIONS: 'eu,us' }).probeRegions, ['eu', 'us']);
    const some = loadPlatformConfig({ REGIONS: 'eu,us,ap', PROBE_REGIONS: 'us' });
    assert.deepEqual(some.regions, ['eu', 'us', 'ap']);
    assert.deepEqual(some.probeRegions, ['us']);
  });

  it('should refuse a PROBE_REGIONS region outside REGIONS, and a bad region name, naming the variable', () => {
    assert.throws(
      () => loadPlatformConfig({ REGIONS: 'eu', PROBE_REGIONS: 'eu,us' }),
      /PROBE_REGIONS: us must be in REGIONS \(eu\)/,
    );
    assert.throws(
      () => loadPlatformConfig({ PROBE_REGIONS: 'eu,US West' }),
      /PROBE_REGIONS\.1: each region must be a name such as eu-west/,
    );
  });
});
