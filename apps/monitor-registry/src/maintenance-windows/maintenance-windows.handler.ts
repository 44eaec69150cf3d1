import { Controller } from '@nestjs/common';
import { Answers } from '@uptime/bus';
import {
  type MaintenanceWindow,
  type ParsedRequest,
  RegistryMaintenanceSubjects,
} from '@uptime/contracts';
import { MaintenanceWindowsService } from './maintenance-windows.service';

type Req<S extends (typeof RegistryMaintenanceSubjects)[keyof typeof RegistryMaintenanceSubjects]> =
  ParsedRequest<S>;

/** Maintenance windows over NATS request/reply; the gateway decided access. */
@Controller()
export class MaintenanceWindowsHandler {
  constructor(private readonly windows: MaintenanceWindowsService) {}

  @Answers(RegistryMaintenanceSubjects.create)
  create(req: Req<typeof RegistryMaintenanceSubjects.create>): Promise<MaintenanceWindow> {
    return this.windows.create(req.ownerId, req.body);
  }

  @Answers(RegistryMaintenanceSubjects.list)
  list(req: Req<typeof RegistryMaintenanceSubjects.list>): Promise<{ items: MaintenanceWindow[] }> {
    return this.windows.list(req.ownerId, req.monitorId);
  }

  @Answers(RegistryMaintenanceSubjects.get)
  get(req: Req<typeof RegistryMaintenanceSubjects.get>): Promise<MaintenanceWindow> {
    return this.windows.get(req.ownerId, req.windowId);
  }

  @Answers(RegistryMaintenanceSubjects.update)
  update(req: Req<typeof RegistryMaintenanceSubjects.update>): Promise<MaintenanceWindow> {
    return this.windows.update(req.ownerId, req.windowId, req.body);
  }

  @Answers(RegistryMaintenanceSubjects.delete)
  async remove(req: Req<typeof RegistryMaintenanceSubjects.delete>): Promise<{ ok: true }> {
    await this.windows.delete(req.ownerId, req.windowId);
    return { ok: true };
  }
}
