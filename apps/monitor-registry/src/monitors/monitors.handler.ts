import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContractPipe } from '@uptime/bus';
import {
  CreateMonitorRequestSchema,
  CreateMonitorsRequestSchema,
  type CreatedMonitors,
  ListActiveMonitorsRequestSchema,
  ListMonitorsRequestSchema,
  ListMonitorSummariesRequestSchema,
  type Monitor,
  type MonitorSummary,
  type OwnedMonitorRequest,
  OwnedMonitorRequestSchema,
  type Page,
  RegistrySubjects,
  UpdateMonitorRequestSchema,
} from '@uptime/contracts';
import type { z } from 'zod';
import { MonitorsService } from './monitors.service';

/** Monitor commands and queries over NATS request/reply; every one names its owner. */
@Controller()
export class MonitorsHandler {
  constructor(private readonly monitors: MonitorsService) {}

  @MessagePattern(RegistrySubjects.createMonitor)
  create(
    @Payload(new ContractPipe(CreateMonitorRequestSchema))
    req: z.output<typeof CreateMonitorRequestSchema>,
  ): Promise<Monitor> {
    return this.monitors.create(req.ownerId, req.body);
  }

  @MessagePattern(RegistrySubjects.createMonitors)
  async createMany(
    @Payload(new ContractPipe(CreateMonitorsRequestSchema))
    req: z.output<typeof CreateMonitorsRequestSchema>,
  ): Promise<CreatedMonitors> {
    return this.monitors.createMany(req.ownerId, req.bodies);
  }

  @MessagePattern(RegistrySubjects.listMonitors)
  list(
    @Payload(new ContractPipe(ListMonitorsRequestSchema))
    req: z.output<typeof ListMonitorsRequestSchema>,
  ): Promise<Page<Monitor>> {
    return this.monitors.list(req.ownerId, req.limit, req.cursor);
  }

  @MessagePattern(RegistrySubjects.listMonitorSummaries)
  summaries(
    @Payload(new ContractPipe(ListMonitorSummariesRequestSchema))
    req: z.output<typeof ListMonitorSummariesRequestSchema>,
  ): Promise<Page<MonitorSummary>> {
    return this.monitors.summaries(req.ownerId, req.limit, req.cursor);
  }

  @MessagePattern(RegistrySubjects.getMonitor)
  get(
    @Payload(new ContractPipe(OwnedMonitorRequestSchema)) req: OwnedMonitorRequest,
  ): Promise<Monitor> {
    return this.monitors.get(req.ownerId, req.monitorId);
  }

  @MessagePattern(RegistrySubjects.updateMonitor)
  update(
    @Payload(new ContractPipe(UpdateMonitorRequestSchema))
    req: z.output<typeof UpdateMonitorRequestSchema>,
  ): Promise<Monitor> {
    return this.monitors.update(req.ownerId, req.monitorId, req.body);
  }

  @MessagePattern(RegistrySubjects.pauseMonitor)
  pause(
    @Payload(new ContractPipe(OwnedMonitorRequestSchema)) req: OwnedMonitorRequest,
  ): Promise<Monitor> {
    return this.monitors.setPaused(req.ownerId, req.monitorId, true);
  }

  @MessagePattern(RegistrySubjects.resumeMonitor)
  resume(
    @Payload(new ContractPipe(OwnedMonitorRequestSchema)) req: OwnedMonitorRequest,
  ): Promise<Monitor> {
    return this.monitors.setPaused(req.ownerId, req.monitorId, false);
  }

  @MessagePattern(RegistrySubjects.deleteMonitor)
  async remove(
    @Payload(new ContractPipe(OwnedMonitorRequestSchema)) req: OwnedMonitorRequest,
  ): Promise<{ ok: true }> {
    await this.monitors.remove(req.ownerId, req.monitorId);
    return { ok: true };
  }

  @MessagePattern(RegistrySubjects.listActiveMonitors)
  active(
    @Payload(new ContractPipe(ListActiveMonitorsRequestSchema))
    req: z.output<typeof ListActiveMonitorsRequestSchema>,
  ): Promise<Page<Monitor>> {
    return this.monitors.pageActive(req.limit, req.cursor);
  }
}
