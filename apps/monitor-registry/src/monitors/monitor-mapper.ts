import { randomBytes } from 'node:crypto';
import {
  DEFAULT_ALERT_POLICY,
  heartbeatUrlOf,
  PING_TOKEN_BYTES,
  type Monitor,
  monitorOf,
  type MonitorServerFields,
  type MonitorSpec,
  MonitorSpecSchema,
  sameJsonValue,
} from '@uptime/contracts';
import { MonitorEntity } from './monitor.entity';

const SPEC_FIELDS = MonitorSpecSchema.keyof().options;

export function specOf(entity: MonitorEntity): MonitorSpec {
  return {
    key: entity.key,
    name: entity.name,
    type: entity.type,
    url: entity.url,
    method: entity.method,
    headers: entity.headers,
    body: entity.body,
    intervalSeconds: entity.intervalSeconds,
    timeoutMs: entity.timeoutMs,
    expectedStatus: entity.expectedStatus,
    followRedirects: entity.followRedirects,
    maxLatencyMs: entity.maxLatencyMs,
    keyword: entity.keyword,
    assertions: entity.assertions,
    dns: entity.dns,
    alertPolicy: policyOf(entity.alertPolicy),
    channelIds: entity.channelIds,
    regions: entity.regions,
    paused: entity.paused,
    tls: entity.tls,
    // jsonb keeps keys in its own order; comparisons (plans, no-op patches) need the spec's.
    heartbeat: entity.heartbeat && {
      periodSeconds: entity.heartbeat.periodSeconds,
      graceSeconds: entity.heartbeat.graceSeconds,
    },
  };
}

/**
 * A stored policy as the contract spells it: fields stored before they existed read with their
 * default, and escalation steps have their fields in contract order again (jsonb reorders keys,
 * and a plan compares values as JSON).
 */
function policyOf(stored: MonitorSpec['alertPolicy']): MonitorSpec['alertPolicy'] {
  const policy = { ...DEFAULT_ALERT_POLICY, ...stored };
  return {
    ...policy,
    escalation: policy.escalation.map((step) => ({
      afterMinutes: step.afterMinutes,
      channelIds: step.channelIds,
    })),
  };
}

/**
 * Gives the monitor `spec`. Pausing it (or creating it paused) makes its status `paused`;
 * resuming it (or creating it running) makes it `pending` until its next check.
 */
export function assignSpec(entity: MonitorEntity, spec: MonitorSpec): void {
  const wasPaused = entity.paused as boolean | undefined;
  Object.assign(entity, Object.fromEntries(SPEC_FIELDS.map((f) => [f, spec[f]])));
  if (entity.paused !== wasPaused) entity.status = entity.paused ? 'paused' : 'pending';
}

/** A new monitor of `ownerId` with `spec`, not yet saved. */
export function newMonitor(ownerId: string, spec: MonitorSpec): MonitorEntity {
  const entity = new MonitorEntity();
  entity.ownerId = ownerId;
  assignSpec(entity, spec);
  if (spec.type === 'heartbeat') {
    entity.url = heartbeatUrlOf(entity.id);
    entity.pingToken = randomBytes(PING_TOKEN_BYTES).toString('base64url');
  }
  return entity;
}

export function serverFieldsOf(entity: MonitorEntity): MonitorServerFields {
  return {
    id: entity.id,
    ownerId: entity.ownerId,
    status: entity.status,
    lastCheckedAt: entity.lastCheckedAt?.toISOString() ?? null,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
    version: entity.version,
    pingToken: entity.pingToken,
  };
}

export function toMonitor(entity: MonitorEntity): Monitor {
  return monitorOf(serverFieldsOf(entity), specOf(entity));
}

export function sameSpec(a: MonitorSpec, b: MonitorSpec): boolean {
  return SPEC_FIELDS.every((f) => sameJsonValue(a[f], b[f]));
}
