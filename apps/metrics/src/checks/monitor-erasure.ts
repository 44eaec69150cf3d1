import { Injectable } from '@nestjs/common';
import { ChecksDatabase } from './checks-database';
import { MONITOR_TABLES } from './clickhouse-schema';

/** Removes what the metrics service stores of a monitor: its checks, rollups and latest check. */
@Injectable()
export class MonitorErasure {
  constructor(private readonly database: ChecksDatabase) {}

  /**
   * A monitor deleted in the registry: its rows go, and results still in flight are refused
   * from now on (CheckWriter reads `deleted_monitors`).
   */
  async forgetMonitor(monitorId: string): Promise<void> {
    await this.database.client.insert({
      table: `${this.database.name}.deleted_monitors`,
      values: [{ monitor_id: monitorId }],
      format: 'JSONEachRow',
    });
    await this.deleteMonitor(monitorId);
  }

  /** Removes the monitor's rows from every table; done when the promise resolves. */
  async deleteMonitor(monitorId: string): Promise<void> {
    for (const table of MONITOR_TABLES) {
      await this.database.client.command({
        query: `DELETE FROM ${this.database.name}.${table} WHERE monitor_id = {monitorId:UUID}`,
        query_params: { monitorId },
        clickhouse_settings: { lightweight_deletes_sync: '2' },
      });
    }
  }
}
