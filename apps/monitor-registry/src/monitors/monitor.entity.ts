import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import type { AlertPolicy, MonitorSpec, MonitorStatus, MonitorType } from '@uptime/contracts';
import { randomUUID } from 'node:crypto';
import { TeamEntity } from '../teams/team.entity';

/** A key is unique among its owner's monitors; monitors without one are not constrained. */
export const MONITOR_KEY_UNIQUE = 'monitors_owner_key_unique';

/**
 * An owner monitors a target once (`monitorTarget` in the contracts): method and URL, and a dns
 * monitor's record type, so that `dns://example.com` A and MX are two monitors.
 */
export const MONITOR_TARGET_UNIQUE = 'monitors_owner_target_unique';
const MONITOR_TARGET_UNIQUE_INDEX = `create unique index "${MONITOR_TARGET_UNIQUE}" on "registry"."monitors" ("owner_id", "method", "url", (coalesce("dns"->>'recordType', '')))`;

@Entity({ tableName: 'monitors' })
@Unique({
  name: MONITOR_TARGET_UNIQUE,
  properties: ['ownerId', 'method', 'url', 'dns'],
  expression: MONITOR_TARGET_UNIQUE_INDEX,
})
@Index({ name: 'monitors_owner_created_index', properties: ['ownerId', 'createdAt', 'id'] })
@Unique({
  name: MONITOR_KEY_UNIQUE,
  properties: ['ownerId', 'key'],
  expression: `create unique index "${MONITOR_KEY_UNIQUE}" on "registry"."monitors" ("owner_id", "key") where "key" is not null`,
})
export class MonitorEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** The owning team's id. */
  @ManyToOne({
    entity: () => TeamEntity,
    deleteRule: 'cascade',
    fieldName: 'owner_id',
    mapToPk: true,
  })
  ownerId!: string;

  @Property({ type: 'string', length: 100, nullable: true })
  key: string | null = null;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'string', length: 16 })
  type!: MonitorType;

  @Property({ type: 'string', length: 2048 })
  url!: string;

  @Property({ type: 'string', length: 8 })
  method!: MonitorSpec['method'];

  @Property({ type: 'json' })
  headers!: Record<string, string>;

  @Property({ type: 'text', nullable: true })
  body: string | null = null;

  @Property({ type: 'integer' })
  intervalSeconds!: number;

  @Property({ type: 'integer' })
  timeoutMs!: number;

  @Property({ type: 'json' })
  expectedStatus!: string[];

  @Property({ type: 'boolean' })
  followRedirects!: boolean;

  @Property({ type: 'integer', nullable: true })
  maxLatencyMs: number | null = null;

  @Property({ type: 'json', nullable: true })
  keyword: MonitorSpec['keyword'] = null;

  @Property({ type: 'json' })
  assertions!: MonitorSpec['assertions'];

  /** What a dns monitor asks for; null for other types. */
  @Property({ type: 'json', nullable: true })
  dns: MonitorSpec['dns'] = null;

  @Property({ type: 'json' })
  alertPolicy!: AlertPolicy;

  @Property({ type: 'json' })
  channelIds!: string[];

  @Property({ type: 'json' })
  regions!: string[];

  @Property({ type: 'boolean' })
  @Index({ name: 'monitors_paused_index' })
  paused!: boolean;

  @Property({ type: 'json', nullable: true })
  tls: MonitorSpec['tls'] = null;

  /** A heartbeat monitor's period and grace; null for other types. */
  @Property({ type: 'json', nullable: true })
  heartbeat: MonitorSpec['heartbeat'] = null;

  /** A heartbeat monitor's ping token (random, set at creation, never changed); null for others. */
  @Property({ type: 'string', length: 64, nullable: true })
  @Unique({ name: 'monitors_ping_token_unique' })
  pingToken: string | null = null;

  @Property({ type: 'string', length: 16 })
  status: MonitorStatus = 'pending';

  @Property({ type: 'datetime', nullable: true })
  lastCheckedAt: Date | null = null;

  /** Grows by one with every change; events carry it so consumers can drop stale ones. */
  @Property({ type: 'integer' })
  version: number = 1;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date = new Date();
}
