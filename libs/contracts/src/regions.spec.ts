import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  PLATFORM_VERSION,
  type ProberPresence,
  proberPresenceKey,
  probeUserAgent,
  RegionIncidentQuerySchema,
  RegionSchema,
  regionStates,
  type SeenPresence,
} from './regions';

const NOW = Date.parse('2026-12-03T10:00:00Z');
const TTL = 15_000;

function seen(
  region: string,
  canary: ProberPresence['canary'],
  ageMs: number,
  lagMs?: number,
): SeenPresence {
  const at = new Date(NOW - ageMs).toISOString();
  return {
    presence: {
      region,
      instanceId: `${region}-${Math.random()}`,
      version: PLATFORM_VERSION,
      startedAt: at,
      canary,
      lastSeenAt: at,
      ...(lagMs === undefined ? {} : { lagMs }),
    },
    seenAtMs: NOW - ageMs,
  };
}

describe('probeUserAgent', () => {
  it('should name the product, the version and the region', () => {
    assert.equal(probeUserAgent('eu'), `UptimeProbe/${PLATFORM_VERSION} (+region eu)`);
    assert.equal(probeUserAgent('us-east', '2.3.4'), 'UptimeProbe/2.3.4 (+region us-east)');
  });

  it("should carry the package's version", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as {
      version: string;
    };
    assert.equal(PLATFORM_VERSION, pkg.version);
  });
});

describe('proberPresenceKey', () => {
  it('should keep only the characters a KV key allows', () => {
    assert.equal(proberPresenceKey('eu', 'host.example:42 x'), 'eu.host-example-42-x');
  });
});

describe('regionStates', () => {
  it('should list a configured region with no prober as down, with no last heartbeat', () => {
    assert.deepEqual(regionStates(['eu'], [], new Map(), NOW, TTL), [
      { name: 'eu', probers: 0, lastSeenAt: null, state: 'down', incident: null, lagMs: null },
    ]);
  });

  it('should count live probers and call a region healthy while every canary answers', () => {
    const last = new Map([['eu', NOW - 1000]]);
    const [eu] = regionStates(
      ['eu'],
      [seen('eu', 'ok', 1000), seen('eu', 'off', 3000)],
      last,
      NOW,
      TTL,
    );
    assert.deepEqual(eu, {
      name: 'eu',
      probers: 2,
      lastSeenAt: new Date(NOW - 1000).toISOString(),
      state: 'healthy',
      incident: null,
      lagMs: null,
    });
  });

  it('should show the worst lag its live probers announce, leaving out silent ones and those that do not say', () => {
    const [eu, us] = regionStates(
      ['eu', 'us'],
      [
        seen('eu', 'ok', 0, 120),
        seen('eu', 'ok', 1000, 4200),
        seen('eu', 'ok', 2000),
        seen('eu', 'ok', TTL + 1, 99_000),
        seen('us', 'ok', 0),
      ],
      new Map(),
      NOW,
      TTL,
    );
    assert.equal(eu!.lagMs, 4200);
    assert.equal(eu!.probers, 3);
    assert.equal(us!.lagMs, null, 'an older prober that does not announce its lag');
    assert.ok(RegionSchema.safeParse(eu).success);
  });

  it('should call a region degraded while any live prober fails its canary', () => {
    const [eu] = regionStates(
      ['eu'],
      [seen('eu', 'ok', 0), seen('eu', 'failing', 0)],
      new Map(),
      NOW,
      TTL,
    );
    assert.equal(eu!.state, 'degraded');
    assert.equal(eu!.probers, 2);
  });

  it('should not count a prober silent for longer than the TTL, keeping its last heartbeat', () => {
    const last = new Map([['us', NOW - TTL - 1]]);
    const [us] = regionStates(['us'], [seen('us', 'failing', TTL + 1)], last, NOW, TTL);
    assert.equal(us!.state, 'down');
    assert.equal(us!.probers, 0);
    assert.equal(us!.lastSeenAt, new Date(NOW - TTL - 1).toISOString());
  });

  it('should call a live region with an open region incident cut_off and show the incident', () => {
    const incident = {
      id: '0b9f5a8e-6c1d-4d47-9f63-2a7d4c1e8b10',
      region: 'us',
      state: 'open' as const,
      openedAt: new Date(NOW - 60_000).toISOString(),
      resolvedAt: null,
      monitors: 4,
      failingMonitors: 3,
    };
    const open = new Map([['us', incident]]);
    const [eu, us] = regionStates(
      ['eu', 'us'],
      [seen('eu', 'ok', 0), seen('us', 'failing', 0)],
      new Map(),
      NOW,
      TTL,
      open,
    );
    assert.equal(eu!.state, 'healthy');
    assert.equal(eu!.incident, null);
    assert.equal(us!.state, 'cut_off', 'an open incident outweighs a failing canary');
    assert.deepEqual(us!.incident, incident);
    assert.ok(RegionSchema.safeParse(us).success);
    // With no live prober the region is down, its incident still shown until it resolves.
    const [gone] = regionStates(['us'], [], new Map(), NOW, TTL, open);
    assert.equal(gone!.state, 'down');
    assert.deepEqual(gone!.incident, incident);
  });

  it('should refuse a region incident query with bad dates, a reversed range or a bad limit', () => {
    const fields = (q: Record<string, string>) => {
      const parsed = RegionIncidentQuerySchema.safeParse(q);
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.')).sort();
    };
    assert.deepEqual(fields({}), []);
    assert.deepEqual(fields({ from: 'yesterday', limit: '0' }), ['from', 'limit']);
    assert.deepEqual(fields({ from: '2026-12-02T10:00:00Z', to: '2026-12-02T09:00:00Z' }), ['to']);
    assert.deepEqual(fields({ region: 'us' }), ['']);
    assert.equal(RegionIncidentQuerySchema.parse({}).limit, 100);
  });

  it('should list configured regions first, then live ones nobody configured, by name', () => {
    const names = regionStates(
      ['us', 'eu'],
      [seen('zz', 'ok', 0), seen('ap', 'ok', 0)],
      new Map(),
      NOW,
      TTL,
    ).map((r) => r.name);
    assert.deepEqual(names, ['us', 'eu', 'ap', 'zz']);
  });
});
