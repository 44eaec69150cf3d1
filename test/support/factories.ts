import {
  type CheckResult,
  heartbeatUrlOf,
  type Monitor,
  PING_TOKEN_BYTES,
  type MonitorChangedEvent,
  type MonitorCreateInput,
  type ProbeJob,
  type ProbeSpec,
  monitorSpecFromCreate,
  probeJobFor,
} from '@uptime/contracts';
import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Fixtures of the platform's contracts, built the way production builds them (the registry's
 * defaults, the scheduler's `probeJobFor`), so a spec names only what it is about and a new
 * contract field is added here once. Test code only: nothing under apps/ or libs/ imports it
 * outside a spec.
 */

/** When fixtures happen unless told: a fixed instant, so messages and ids are reproducible. */
export const FIXTURE_TIME = '2026-01-01T00:00:00.000Z';

/** What the registry adds to a specification when it stores a monitor. */
type StoredFields = Pick<
  Monitor,
  'id' | 'ownerId' | 'status' | 'lastCheckedAt' | 'createdAt' | 'updatedAt' | 'version'
>;

/**
 * A monitor as the registry returns it after a create: the defaults of `monitorSpecFromCreate`
 * (so `timeoutMs` follows `intervalSeconds` unless given), fresh ids, version 1.
 */
export function monitorFixture(
  overrides: Partial<MonitorCreateInput> & Partial<StoredFields> = {},
): Monitor {
  const {
    id = randomUUID(),
    ownerId = randomUUID(),
    status = 'pending',
    lastCheckedAt = null,
    createdAt = FIXTURE_TIME,
    updatedAt = createdAt,
    version = 1,
    ...input
  } = overrides;
  const spec = monitorSpecFromCreate({
    name: 'fixture',
    url: 'https://fixture.example.test/',
    ...input,
  });
  const pingToken =
    spec.type === 'heartbeat' ? randomBytes(PING_TOKEN_BYTES).toString('base64url') : null;
  const url = spec.type === 'heartbeat' ? heartbeatUrlOf(id) : spec.url;
  return {
    ...spec,
    url,
    id,
    ownerId,
    status,
    lastCheckedAt,
    createdAt,
    updatedAt,
    version,
    pingToken,
  };
}

/** The check of a job, as the scheduler names it; `scheduledAt` defaults to now. */
export interface JobSlot {
  checkId: string;
  region: string;
  scheduledAt: Date;
  onDemand: boolean;
}

/** A probe job of `monitor` exactly as the scheduler publishes it. */
export function probeJobFixture(
  monitor: Monitor = monitorFixture(),
  slot: Partial<JobSlot> = {},
): ProbeJob {
  return probeJobFor(monitor, {
    checkId: randomUUID(),
    region: 'local',
    scheduledAt: new Date(),
    onDemand: false,
    inMaintenance: false,
    ...slot,
  });
}

/** What a prober is asked to check: a job's spec, for a monitor of these fields. */
export function probeSpecFixture(overrides: Partial<MonitorCreateInput> = {}): ProbeSpec {
  return probeJobFixture(monitorFixture(overrides)).spec;
}

/**
 * A check result with the usual values of its outcome (a `down` one timed out, a `degraded`
 * one was slow); `startedAt` follows `scheduledAt`.
 */
export function checkResultFixture(overrides: Partial<CheckResult> = {}): CheckResult {
  const outcome = overrides.outcome ?? 'up';
  const down = outcome === 'down';
  const scheduledAt = overrides.scheduledAt ?? FIXTURE_TIME;
  return {
    id: randomUUID(),
    monitorId: randomUUID(),
    ownerId: randomUUID(),
    region: 'local',
    scheduledAt,
    startedAt: scheduledAt,
    outcome,
    errorKind: down ? 'timeout' : null,
    httpStatus: down ? null : 200,
    latencyMs: outcome === 'degraded' ? 2400 : 120,
    timings: { dnsMs: 1, connectMs: 2, tlsMs: null, firstByteMs: 100, transferMs: 17 },
    sizeBytes: 512,
    message: down ? 'no response within 10000 ms' : null,
    assertions: down
      ? [{ type: 'latency', target: 'response', expected: 10000, passed: false }]
      : [{ type: 'status', expected: ['200-299'], actual: 200, passed: true }],
    certificateExpiresAt: null,
    onDemand: false,
    inMaintenance: false,
    ...overrides,
  };
}

/** The event the registry's outbox publishes for a change of `monitor`. */
export function monitorChangedEventFixture(
  monitor: Monitor,
  kind: MonitorChangedEvent['kind'] = 'created',
): MonitorChangedEvent {
  return {
    eventId: randomUUID(),
    kind,
    monitorId: monitor.id,
    ownerId: monitor.ownerId,
    version: monitor.version,
    occurredAt: new Date().toISOString(),
    monitor,
  };
}
