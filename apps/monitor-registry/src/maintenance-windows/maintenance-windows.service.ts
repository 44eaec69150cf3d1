import { Injectable } from '@nestjs/common';
import { orNotFound, rpcProblem } from '@uptime/bus';
import {
  MAX_MAINTENANCE_WINDOWS_PER_TEAM,
  type MaintenanceWindow,
  type MaintenanceWindowCreateInput,
  type MaintenanceWindowPatchInput,
  maintenanceWindowProblems,
  Problems,
} from '@uptime/contracts';
import { UnitOfWork } from '@uptime/persistence';
import { TeamMonitors } from '../monitors/team-monitors';
import { MaintenanceEventRelay } from './maintenance-event-relay';
import { MaintenanceWindowEntity } from './maintenance-window.entity';
import { MaintenanceWindowRepository } from './maintenance-window.repository';

/**
 * A team's maintenance windows. Each change is written with its event in one transaction, and
 * the relay announces it on MAINTENANCE_EVENTS, from which the scheduler stamps checks. The
 * rules: the fields' own (contracts), the rules across fields again on a PATCHed window, every
 * monitor named one of the team's, and at most MAX_MAINTENANCE_WINDOWS_PER_TEAM windows a team.
 */
@Injectable()
export class MaintenanceWindowsService {
  constructor(
    private readonly work: UnitOfWork,
    private readonly windows: MaintenanceWindowRepository,
    private readonly relay: MaintenanceEventRelay,
    private readonly monitors: TeamMonitors,
  ) {}

  async create(ownerId: string, body: MaintenanceWindowCreateInput): Promise<MaintenanceWindow> {
    const entity = Object.assign(new MaintenanceWindowEntity(), {
      ownerId,
      name: body.name,
      monitorIds: [...body.monitorIds],
      startsAt: new Date(body.startsAt),
      endsAt: new Date(body.endsAt),
      recurrence: body.recurrence,
      timeZone: body.timeZone,
    });
    await this.work.transaction(async () => {
      await this.monitors.assertAllOfTeam(ownerId, body.monitorIds);
      const count = await this.windows.countLocked(ownerId);
      if (count >= MAX_MAINTENANCE_WINDOWS_PER_TEAM) {
        throw rpcProblem(
          Problems.quotaExceeded(
            `The team holds ${count} maintenance windows, the most allowed; delete one first.`,
          ),
        );
      }
      await this.windows.save(entity);
      await this.windows.record(entity.id, ownerId, toMaintenanceWindow(entity));
    });
    this.relay.kick();
    return toMaintenanceWindow(entity);
  }

  async list(ownerId: string, monitorId?: string): Promise<{ items: MaintenanceWindow[] }> {
    return { items: (await this.windows.windowsOf(ownerId, monitorId)).map(toMaintenanceWindow) };
  }

  async get(ownerId: string, windowId: string): Promise<MaintenanceWindow> {
    return toMaintenanceWindow(await this.existing(ownerId, windowId));
  }

  async update(
    ownerId: string,
    windowId: string,
    patch: MaintenanceWindowPatchInput,
  ): Promise<MaintenanceWindow> {
    const window = await this.work.transaction(async () => {
      const entity = await this.existing(ownerId, windowId);
      const merged = { ...toMaintenanceWindow(entity), ...patch };
      const problems = maintenanceWindowProblems(merged);
      if (problems.length > 0) throw rpcProblem(Problems.validation(problems));
      if (patch.monitorIds) await this.monitors.assertAllOfTeam(ownerId, patch.monitorIds);
      Object.assign(entity, {
        name: merged.name,
        monitorIds: [...merged.monitorIds],
        startsAt: new Date(merged.startsAt),
        endsAt: new Date(merged.endsAt),
        recurrence: merged.recurrence,
        timeZone: merged.timeZone,
        updatedAt: new Date(),
      });
      await this.windows.save(entity);
      await this.windows.record(entity.id, ownerId, toMaintenanceWindow(entity));
      return toMaintenanceWindow(entity);
    });
    this.relay.kick();
    return window;
  }

  async delete(ownerId: string, windowId: string): Promise<void> {
    await this.work.transaction(async () => {
      await this.existing(ownerId, windowId);
      await this.windows.delete(windowId);
      await this.windows.record(windowId, ownerId, null);
    });
    this.relay.kick();
  }

  /** Every window of a team being deleted, each with its deletion event, in the caller's transaction. */
  async removeAllWithin(ownerId: string): Promise<void> {
    for (const window of await this.windows.windowsOf(ownerId)) {
      await this.windows.delete(window.id);
      await this.windows.record(window.id, ownerId, null);
    }
  }

  /** Relays what `removeAllWithin` recorded, once its transaction committed. */
  publishRecorded(): void {
    this.relay.kick();
  }

  private async existing(ownerId: string, windowId: string): Promise<MaintenanceWindowEntity> {
    return orNotFound(await this.windows.findInTeam(ownerId, windowId), 'The maintenance window');
  }
}

export function toMaintenanceWindow(window: MaintenanceWindowEntity): MaintenanceWindow {
  return {
    id: window.id,
    ownerId: window.ownerId,
    name: window.name,
    monitorIds: [...window.monitorIds],
    startsAt: window.startsAt.toISOString(),
    endsAt: window.endsAt.toISOString(),
    recurrence: window.recurrence,
    timeZone: window.timeZone,
    createdAt: window.createdAt.toISOString(),
    updatedAt: window.updatedAt.toISOString(),
  };
}
