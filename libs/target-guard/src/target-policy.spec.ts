import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError, parseEnv } from '@uptime/config';
import { z } from 'zod';
import { targetEnvFields, targetPolicyFromEnv } from './target-env';
import { BlockedTargetError, TargetPolicy, cidrProblem } from './target-policy';

describe('TargetPolicy.refusal', () => {
  const publicOnly = TargetPolicy.PUBLIC_ONLY;
  const open = new TargetPolicy({ allowPrivate: true });
  const loopbackAllowed = new TargetPolicy({
    allowPrivate: false,
    allowedCidrs: ['127.0.0.0/8'],
  });
  const tenAllowed = new TargetPolicy({ allowPrivate: false, allowedCidrs: ['10.0.0.0/8'] });
  const linkLocalAllowed = new TargetPolicy({
    allowPrivate: false,
    allowedCidrs: ['169.254.0.0/16', 'fd00::/8'],
  });
  const everythingAllowed = new TargetPolicy({
    allowPrivate: false,
    allowedCidrs: ['0.0.0.0/0', '::/0'],
  });

  const cases: [string, TargetPolicy, string, string | null][] = [
    ['public only', publicOnly, '127.0.0.1', 'loopback'],
    ['public only', publicOnly, '8.8.8.8', null],
    ['private allowed', open, '127.0.0.1', null],
    ['private allowed', open, '10.0.0.1', null],
    ['private allowed', open, '::1', null],
    ['private allowed', open, '169.254.169.254', 'cloud metadata'],
    ['private allowed', open, '::ffff:169.254.169.254', 'cloud metadata'],
    ['private allowed', open, 'fd00:ec2::254', 'cloud metadata'],
    ['private allowed', open, '100.100.100.200', 'cloud metadata'],
    ['127.0.0.0/8 allowed', loopbackAllowed, '127.0.0.1', null],
    ['127.0.0.0/8 allowed', loopbackAllowed, '127.0.0.2', null],
    ['127.0.0.0/8 allowed', loopbackAllowed, '::ffff:127.0.0.1', null],
    ['127.0.0.0/8 allowed', loopbackAllowed, '::1', 'loopback'],
    ['127.0.0.0/8 allowed', loopbackAllowed, '10.0.0.1', 'private'],
    ['10.0.0.0/8 allowed', tenAllowed, '10.20.30.40', null],
    ['10.0.0.0/8 allowed', tenAllowed, '127.0.0.1', 'loopback'],
    ['10.0.0.0/8 allowed', tenAllowed, '0.0.0.0', 'unspecified'],
    ['10.0.0.0/8 allowed', tenAllowed, '192.168.0.1', 'private'],
    ['169.254.0.0/16 allowed', linkLocalAllowed, '169.254.1.1', null],
    ['169.254.0.0/16 allowed', linkLocalAllowed, '169.254.169.254', 'cloud metadata'],
    ['fd00::/8 allowed', linkLocalAllowed, 'fd00:ec2::254', 'cloud metadata'],
    ['every network allowed', everythingAllowed, '127.0.0.1', null],
    ['every network allowed', everythingAllowed, '169.254.169.254', 'cloud metadata'],
    ['every network allowed', everythingAllowed, 'fd00:ec2::254', 'cloud metadata'],
  ];
  for (const [what, policy, address, reason] of cases) {
    it(`should, with ${what}, call ${address} ${reason ?? 'allowed'}`, () => {
      assert.equal(policy.refusal(address), reason);
    });
  }

  it('should judge alike after remembering more addresses than it keeps', () => {
    const policy = new TargetPolicy({ allowPrivate: false });
    assert.equal(policy.refusal('127.0.0.1'), 'loopback');
    assert.equal(policy.refusal('8.8.8.8'), null);
    for (let i = 0; i < 10_050; i++) policy.refusal(`10.${i >> 8}.${i & 255}.1`);
    assert.equal(policy.refusal('127.0.0.1'), 'loopback');
    assert.equal(policy.refusal('8.8.8.8'), null);
    assert.equal(policy.refusal('10.0.0.1'), 'private');
  });

  it('should refuse a malformed allowed network when built', () => {
    assert.throws(
      () => new TargetPolicy({ allowPrivate: false, allowedCidrs: ['10.0.0.0'] }),
      RangeError,
    );
  });
});

describe('cidrProblem', () => {
  const cases: [string, RegExp | null][] = [
    ['10.0.0.0/8', null],
    ['127.0.0.0/8', null],
    ['192.168.1.0/24', null],
    ['10.0.0.1/32', null],
    ['fd00::/8', null],
    ['::1/128', null],
    ['10.0.0.0', /is not a CIDR such as 10\.0\.0\.0\/8/],
    ['10.0.0.0/33', /is not a CIDR/],
    ['fd00::/129', /is not a CIDR/],
    ['127.1/8', /is not a CIDR/],
    ['localhost/8', /is not a CIDR/],
    ['10.0.0.0/-1', /is not a CIDR/],
    ['10.1.2.3/8', /host bits set; the network is 10\.0\.0\.0\/8/],
    ['fd00::1/8', /host bits set; the network is fd00::\/8/],
  ];
  for (const [text, problem] of cases) {
    it(`should ${problem ? 'reject' : 'accept'} ${text}`, () => {
      const found = cidrProblem(text);
      if (problem === null) assert.equal(found, null);
      else assert.match(found ?? '', problem);
    });
  }
});

describe('targetEnvFields', () => {
  const schema = z.object(targetEnvFields);

  it('should default to public targets only', () => {
    const policy = targetPolicyFromEnv(parseEnv(schema, {}));
    assert.equal(policy.allowPrivate, false);
    assert.deepEqual(policy.allowedCidrs, []);
    assert.equal(policy.refusal('127.0.0.1'), 'loopback');
  });

  it('should read a comma list of allowed networks', () => {
    const policy = targetPolicyFromEnv(
      parseEnv(schema, { PROBE_ALLOWED_CIDRS: ' 127.0.0.0/8, fd00::/8 ' }),
    );
    assert.deepEqual(policy.allowedCidrs, ['127.0.0.0/8', 'fd00::/8']);
    assert.equal(policy.refusal('127.0.0.1'), null);
    assert.equal(policy.refusal('fd12::1'), null);
  });

  it('should name the variable and the bad entry when a network is malformed', () => {
    assert.throws(
      () => parseEnv(schema, { PROBE_ALLOWED_CIDRS: '127.0.0.0/8,10.0.0.0' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /PROBE_ALLOWED_CIDRS\.1: "10\.0\.0\.0" is not a CIDR/);
        return true;
      },
    );
  });
});

/** A TCP server on loopback counting the connections it accepts. */
async function startCountingServer(): Promise<{
  server: Server;
  port: number;
  accepted(): number;
}> {
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, accepted: () => accepted };
}

async function waitUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(done(), 'condition not reached within 1 s');
}

function dial(port: number, policy: TargetPolicy, autoSelectFamily: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: 'localhost', port, lookup: policy.lookup, autoSelectFamily });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

describe('TargetPolicy.lookup', () => {
  let target: Awaited<ReturnType<typeof startCountingServer>>;
  before(async () => {
    target = await startCountingServer();
  });
  after(() => new Promise<void>((resolve) => target.server.close(() => resolve())));

  for (const autoSelectFamily of [true, false]) {
    it(`should refuse a name that resolves to loopback before dialling (autoSelectFamily ${autoSelectFamily})`, async () => {
      const before = target.accepted();
      await assert.rejects(dial(target.port, TargetPolicy.PUBLIC_ONLY, autoSelectFamily), (err) => {
        assert.ok(err instanceof BlockedTargetError);
        assert.equal(err.code, 'ERR_BLOCKED_TARGET');
        assert.match(err.message, /^localhost resolves to (127\.0\.0\.1|::1), which is a loopback/);
        return true;
      });
      assert.equal(target.accepted(), before, 'the server must not be reached');
    });
  }

  it('should dial a name whose addresses are allowed', async () => {
    const policy = new TargetPolicy({
      allowPrivate: false,
      allowedCidrs: ['127.0.0.0/8', '::1/128'],
    });
    const before = target.accepted();
    // With autoSelectFamily, ::1 (where nothing listens) is tried and then 127.0.0.1.
    await dial(target.port, policy, true);
    await waitUntil(() => target.accepted() === before + 1);
  });
});
