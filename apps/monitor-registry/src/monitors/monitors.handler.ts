import { Controller } from '@nestjs/common';
import { Answers } from '@uptime/bus';
import {
  type CreatedMonitors,
  type Monitor,
  type OwnedMonitorIds,
  type MonitorSummary,
  type OwnedMonitorRequest,
  type Page,
  type PingTarget,
  RegistrySubjects,
  type ParsedRequest,
} from '@uptime/contracts';
import { MonitorsService } from './monitors.service';
import { TeamMonitors } from './team-monitors';

/** Monitor commands and queries over NATS request/reply; every one names its owner. */
@Controller()
export class MonitorsHandler {
  constructor(
    private readonly monitors: MonitorsService,
    private readonly teamMonitors: TeamMonitors,
  ) {}

  @Answers(RegistrySubjects.createMonitor)
  create(req: ParsedRequest<typeof RegistrySubjects.createMonitor>): Promise<Monitor> {
    return this.monitors.create(req.ownerId, req.body);
  }

  @Answers(RegistrySubjects.createMonitors)
  async createMany(
    req: ParsedRequest<typeof RegistrySubjects.createMonitors>,
  ): Promise<CreatedMonitors> {
    return this.monitors.createMany(req.ownerId, req.bodies);
  }

  @Answers(RegistrySubjects.listMonitors)
  list(req: ParsedRequest<typeof RegistrySubjects.listMonitors>): Promise<Page<Monitor>> {
    return this.monitors.list(req.ownerId, req.limit, req.cursor, req.key);
  }

  @Answers(RegistrySubjects.listMonitorSummaries)
  summaries(
    req: ParsedRequest<typeof RegistrySubjects.listMonitorSummaries>,
  ): Promise<Page<MonitorSummary>> {
    return this.monitors.summaries(req.ownerId, req.limit, req.cursor);
  }

  @Answers(RegistrySubjects.ownedMonitorIds)
  async ownedAmong(
    req: ParsedRequest<typeof RegistrySubjects.ownedMonitorIds>,
  ): Promise<OwnedMonitorIds> {
    const owned = await this.teamMonitors.ids(req.ownerId, req.ids);
    return { ids: req.ids.filter((id) => owned.has(id.toLowerCase())) };
  }

  @Answers(RegistrySubjects.getMonitor)
  get(req: OwnedMonitorRequest): Promise<Monitor> {
    return this.monitors.get(req.ownerId, req.monitorId);
  }

  @Answers(RegistrySubjects.updateMonitor)
  update(req: ParsedRequest<typeof RegistrySubjects.updateMonitor>): Promise<Monitor> {
    return this.monitors.update(req.ownerId, req.monitorId, req.body);
  }

  @Answers(RegistrySubjects.pauseMonitor)
  pause(req: OwnedMonitorRequest): Promise<Monitor> {
    return this.monitors.setPaused(req.ownerId, req.monitorId, true);
  }

  @Answers(RegistrySubjects.resumeMonitor)
  resume(req: OwnedMonitorRequest): Promise<Monitor> {
    return this.monitors.setPaused(req.ownerId, req.monitorId, false);
  }

  @Answers(RegistrySubjects.deleteMonitor)
  async remove(req: OwnedMonitorRequest): Promise<{ ok: true }> {
    await this.monitors.remove(req.ownerId, req.monitorId);
    return { ok: true };
  }

  @Answers(RegistrySubjects.resolvePingToken)
  pingTarget(req: ParsedRequest<typeof RegistrySubjects.resolvePingToken>): Promise<PingTarget> {
    return this.monitors.pingTarget(req.token);
  }

  @Answers(RegistrySubjects.listActiveMonitors)
  active(req: ParsedRequest<typeof RegistrySubjects.listActiveMonitors>): Promise<Page<Monitor>> {
    return this.monitors.pageActive(req.limit, req.cursor);
  }
}
