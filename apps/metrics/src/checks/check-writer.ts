import { Injectable } from '@nestjs/common';
import type { CheckResult } from '@uptime/contracts';
import { TIME, toCheckRow, toClickHouseTime } from './check-rows';
import { ChecksDatabase } from './checks-database';

/** Ids per existence query: a server takes query parameters in the URL, which has a limit. */
const ID_CHUNK = 2000;

/**
 * Writes check results into the raw `checks` table, whose views keep the rollups and the latest
 * check per monitor. Idempotent on check id, and deaf to monitors deleted in the registry.
 */
@Injectable()
export class CheckWriter {
  constructor(private readonly database: ChecksDatabase) {}

  private get db(): string {
    return this.database.name;
  }

  /**
   * Stores the checks it does not have yet, in one insert, and returns how many. A redelivered
   * batch thus inserts nothing, and the rollups, fed by what is inserted, never count twice.
   */
  async insert(results: CheckResult[]): Promise<number> {
    const unique = uniqueById(results);
    if (unique.length === 0) return 0;
    const [stored, deleted] = await Promise.all([
      this.storedIds(unique),
      this.deletedMonitors(unique),
    ]);
    const fresh = unique.filter(
      (r) => !stored.has(r.id.toLowerCase()) && !deleted.has(r.monitorId.toLowerCase()),
    );
    if (fresh.length === 0) return 0;
    await this.database.client.insert({
      table: `${this.db}.checks`,
      values: fresh.map(toCheckRow),
      format: 'JSONEachRow',
    });
    return fresh.length;
  }

  /** The batch's monitors deleted in the registry (see MonitorErasure.forgetMonitor). */
  private async deletedMonitors(results: CheckResult[]): Promise<Set<string>> {
    const monitorIds = [...new Set(results.map((r) => r.monitorId))];
    const rows = await this.database.select<{ monitor_id: string }>(
      `SELECT DISTINCT monitor_id FROM ${this.db}.deleted_monitors WHERE monitor_id IN {monitorIds:Array(UUID)}`,
      { monitorIds },
    );
    return new Set(rows.map((r) => r.monitor_id.toLowerCase()));
  }

  /**
   * The ids of the batch already stored. A check id fixes its monitor and slot, so the
   * stored copy has the same scheduled_at and the range narrows the scan to a few parts.
   */
  private async storedIds(results: CheckResult[]): Promise<Set<string>> {
    const stored = new Set<string>();
    for (let i = 0; i < results.length; i += ID_CHUNK) {
      const chunk = results.slice(i, i + ID_CHUNK);
      const times = chunk.map((r) => Date.parse(r.scheduledAt));
      const rows = await this.database.select<{ id: string }>(
        `SELECT toString(check_id) AS id FROM ${this.db}.checks
         WHERE monitor_id IN {monitorIds:Array(UUID)} AND check_id IN {checkIds:Array(UUID)}
           AND scheduled_at BETWEEN {earliest:${TIME}} AND {latest:${TIME}}`,
        {
          monitorIds: [...new Set(chunk.map((r) => r.monitorId))],
          checkIds: chunk.map((r) => r.id),
          earliest: toClickHouseTime(new Date(Math.min(...times))),
          latest: toClickHouseTime(new Date(Math.max(...times))),
        },
      );
      for (const row of rows) stored.add(row.id);
    }
    return stored;
  }
}

/** First occurrence of each id; ids compare case-insensitively, as ClickHouse's UUIDs do. */
function uniqueById(results: CheckResult[]): CheckResult[] {
  const seen = new Set<string>();
  return results.filter((r) => {
    const id = r.id.toLowerCase();
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
