import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { MaintenanceWindow } from '@uptime/contracts';
import { randomUUID } from 'node:crypto';
import { MaintenanceEventEntity } from './maintenance-event.entity';
import { MaintenanceWindowEntity } from './maintenance-window.entity';

/** First key of the two-key advisory lock that serialises window creation in a team. */
const WINDOWS_LOCK_CLASS = 0x6d6e74; // 'mnt'

/** Maintenance windows and their outbox in PostgreSQL. */
@Injectable()
export class MaintenanceWindowRepository {
  constructor(private readonly em: EntityManager) {}

  /** Writes the window; call `record` in the same transaction so its event commits with it. */
  async save(window: MaintenanceWindowEntity): Promise<void> {
    await this.em.persistAndFlush(window);
  }

  /** Writes the window's state (null: deleted) to the outbox, in the caller's transaction. */
  async record(windowId: string, ownerId: string, window: MaintenanceWindow | null): Promise<void> {
    const event = new MaintenanceEventEntity();
    event.eventId = randomUUID();
    event.windowId = windowId;
    event.occurredAt = new Date();
    event.payload = {
      eventId: event.eventId,
      windowId,
      ownerId,
      occurredAt: event.occurredAt.toISOString(),
      window,
    };
    await this.em.persistAndFlush(event);
  }

  /** The team's windows, oldest first; those naming `monitorId` only, when given. */
  async windowsOf(ownerId: string, monitorId?: string): Promise<MaintenanceWindowEntity[]> {
    const windows = await this.em.find(
      MaintenanceWindowEntity,
      { ownerId },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return monitorId ? windows.filter((w) => w.monitorIds.includes(monitorId)) : windows;
  }

  findInTeam(ownerId: string, id: string): Promise<MaintenanceWindowEntity | null> {
    return this.em.findOne(MaintenanceWindowEntity, { id, ownerId });
  }

  /**
   * How many windows the team holds, counted under the team's windows lock, held until the
   * transaction ends: two windows created at once cannot both take the last place.
   */
  async countLocked(ownerId: string): Promise<number> {
    await this.em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [
      WINDOWS_LOCK_CLASS,
      ownerId,
    ]);
    return this.em.count(MaintenanceWindowEntity, { ownerId });
  }

  async delete(id: string): Promise<void> {
    await this.em.nativeDelete(MaintenanceWindowEntity, { id });
  }
}
