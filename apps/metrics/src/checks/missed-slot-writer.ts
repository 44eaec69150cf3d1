import { Injectable } from '@nestjs/common';
import type { MissedSlot } from '@uptime/contracts';
import { toClickHouseTime } from './check-rows';
import { ChecksDatabase } from './checks-database';

/**
 * Writes missed slots into `missed_slots`. No existence check as for checks: nothing is rolled
 * up from this table and every read counts distinct slots, so a record stored twice (a
 * redelivered batch) counts once; records of monitors deleted in the registry are refused.
 */
@Injectable()
export class MissedSlotWriter {
  constructor(private readonly database: ChecksDatabase) {}

  async insert(slots: MissedSlot[]): Promise<number> {
    if (slots.length === 0) return 0;
    const deleted = await this.deletedMonitors(slots);
    const kept = slots.filter((s) => !deleted.has(s.monitorId.toLowerCase()));
    if (kept.length === 0) return 0;
    await this.database.client.insert({
      table: `${this.database.name}.missed_slots`,
      values: kept.map((s) => ({
        check_id: s.checkId,
        monitor_id: s.monitorId,
        owner_id: s.ownerId,
        region: s.region,
        scheduled_at: toClickHouseTime(s.scheduledAt),
        reason: s.reason,
        recorded_at: toClickHouseTime(s.recordedAt),
      })),
      format: 'JSONEachRow',
    });
    return kept.length;
  }

  private async deletedMonitors(slots: MissedSlot[]): Promise<Set<string>> {
    const rows = await this.database.select<{ monitor_id: string }>(
      `SELECT DISTINCT monitor_id FROM ${this.database.name}.deleted_monitors WHERE monitor_id IN {monitorIds:Array(UUID)}`,
      { monitorIds: [...new Set(slots.map((s) => s.monitorId))] },
    );
    return new Set(rows.map((r) => r.monitor_id.toLowerCase()));
  }
}
