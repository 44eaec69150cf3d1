import { RpcException } from '@nestjs/microservices';
import type { Problem } from '@uptime/contracts';
import { TargetPolicy } from '@uptime/target-guard';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegistryConfig } from '../config';
import { type MonitorTarget, MonitorTargets } from './monitor-targets';

describe('MonitorTargets', () => {
  const targets = new MonitorTargets({
    targets: new TargetPolicy({ allowPrivate: false, allowedCidrs: ['10.9.0.0/16'] }),
  } as RegistryConfig);
  const http = (url: string): MonitorTarget => ({ type: 'http', url, dns: null });

  /** The fields a refusal names, or [] when it passed. */
  const refusedFields = (assertion: () => void): string[] => {
    try {
      assertion();
      return [];
    } catch (err) {
      assert.ok(err instanceof RpcException, String(err));
      const problem = err.getError() as Problem;
      assert.equal(problem.status, 400);
      return (problem.errors ?? []).map((e) => e.field);
    }
  };

  it('should pass a name, a public address and an allowed network, and name each refused one', () => {
    const specs = [
      http('https://shop.example.test/'),
      http('http://10.1.0.1/'),
      http('http://10.9.3.4:8080/'),
      http('http://93.184.216.34/'),
      http('http://[fd00:ec2::254]/'),
    ];
    assert.deepEqual(
      refusedFields(() => targets.assertAllReachable(specs, (i) => `monitors[${i}].`)),
      ['monitors[1].url', 'monitors[4].url'],
    );
  });

  it('should judge a DNS monitor by its resolver, not by the name it queries', () => {
    const dns = (resolver: string | null): MonitorTarget => ({
      type: 'dns',
      url: 'dns://db.internal.example',
      dns: { recordType: 'A', resolver, expected: [] },
    });
    assert.deepEqual(
      refusedFields(() => targets.assertReachable(dns(null))),
      [],
    );
    assert.deepEqual(
      refusedFields(() => targets.assertReachable(dns('1.1.1.1:53'))),
      [],
    );
    assert.deepEqual(
      refusedFields(() => targets.assertReachable(dns('192.168.0.53'))),
      ['dns.resolver'],
    );
  });

  it('should let a change keep a target saved before the rules tightened, and refuse a new one', () => {
    const saved = http('http://10.1.0.1/');
    assert.deepEqual(
      refusedFields(() => targets.assertChangeReachable(saved, saved)),
      [],
    );
    assert.deepEqual(
      refusedFields(() => targets.assertChangeReachable(saved, http('http://10.1.0.2/'))),
      ['url'],
    );
    assert.deepEqual(
      refusedFields(() =>
        targets.assertChangeReachable(http('https://a.example.test/'), http('http://10.1.0.1/')),
      ),
      ['url'],
    );
  });
});
