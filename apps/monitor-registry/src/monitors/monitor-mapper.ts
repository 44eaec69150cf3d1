import {
  type Monitor,
  monitorOf,
  type MonitorServerFields,
  type MonitorSpec,
} from '@uptime/contracts';
import type { MonitorEntity } from './monitor.entity';

const SPEC_FIELDS = [
  'name',
  'type',
  'url',
  'method',
  'headers',
  'body',
  'intervalSeconds',
  'timeoutMs',
  'expectedStatus',
  'followRedirects',
  'maxLatencyMs',
  'keyword',
  'assertions',
  'alertPolicy',
  'channelIds',
  'regions',
  'paused',
] as const satisfies readonly (keyof MonitorSpec)[];

export function specOf(entity: MonitorEntity): MonitorSpec {
  return Object.fromEntries(SPEC_FIELDS.map((f) => [f, entity[f]])) as unknown as MonitorSpec;
}

export function assignSpec(entity: MonitorEntity, spec: MonitorSpec): void {
  Object.assign(entity, Object.fromEntries(SPEC_FIELDS.map((f) => [f, spec[f]])));
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
  };
}

export function toMonitor(entity: MonitorEntity): Monitor {
  return monitorOf(serverFieldsOf(entity), specOf(entity));
}

export function sameSpec(a: MonitorSpec, b: MonitorSpec): boolean {
  return SPEC_FIELDS.every((f) => JSON.stringify(a[f]) === JSON.stringify(b[f]));
}
