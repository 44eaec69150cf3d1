import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124000000Initial } from './20261124000000-initial';
import { Migration20261201210000MonitorKey } from './20261201210000-monitor-key';
import { Migration20261202000000Teams } from './20261202000000-teams';
import { Migration20261203000000ApiKeys } from './20261203000000-api-keys';
import { Migration20261203000000Invitations } from './20261203000000-invitations';
import { Migration20261204000000MonitorTls } from './20261204000000-monitor-tls';
import { Migration20261204000000DnsMonitors } from './20261204000000-dns-monitors';
import { Migration20261203002000DnsRecordTypeTarget } from './20261203002000-dns-record-type-target';
import { Migration20261203001000HeartbeatMonitors } from './20261203001000-heartbeat-monitors';
import { Migration20261203004000MaintenanceWindows } from './20261203004000-maintenance-windows';
import { Migration20261205000000StatusPages } from './20261205000000-status-pages';
import { Migration20261206000000MonitorCounts } from './20261206000000-monitor-counts';

/** Listed explicitly so the build needs no file-system discovery; append, never edit. */
export const REGISTRY_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261124000000Initial', class: Migration20261124000000Initial },
  { name: 'Migration20261201210000MonitorKey', class: Migration20261201210000MonitorKey },
  { name: 'Migration20261202000000Teams', class: Migration20261202000000Teams },
  { name: 'Migration20261203000000ApiKeys', class: Migration20261203000000ApiKeys },
  { name: 'Migration20261203000000Invitations', class: Migration20261203000000Invitations },
  { name: 'Migration20261204000000MonitorTls', class: Migration20261204000000MonitorTls },
  { name: 'Migration20261204000000DnsMonitors', class: Migration20261204000000DnsMonitors },
  // After DnsMonitors whatever its timestamp: its index reads the `dns` column.
  {
    name: 'Migration20261203002000DnsRecordTypeTarget',
    class: Migration20261203002000DnsRecordTypeTarget,
  },
  {
    name: 'Migration20261203001000HeartbeatMonitors',
    class: Migration20261203001000HeartbeatMonitors,
  },
  {
    name: 'Migration20261203004000MaintenanceWindows',
    class: Migration20261203004000MaintenanceWindows,
  },
  { name: 'Migration20261205000000StatusPages', class: Migration20261205000000StatusPages },
  { name: 'Migration20261206000000MonitorCounts', class: Migration20261206000000MonitorCounts },
];
