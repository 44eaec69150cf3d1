import { Injectable } from '@nestjs/common';
import { rpcProblem } from '@uptime/bus';
import { Problems } from '@uptime/contracts';
import { MonitorRepository } from './monitor.repository';

/**
 * A team's monitors as the things that list them (maintenance windows, status pages) see them:
 * another team's monitor is unknown here, exactly like a missing one, so no caller learns which
 * ids exist in other teams.
 */
@Injectable()
export class TeamMonitors {
  constructor(private readonly monitors: MonitorRepository) {}

  /** The team's monitors among `ids`, by id, with their names. */
  names(ownerId: string, ids: readonly string[]): Promise<Map<string, string>> {
    return this.monitors.namesOwned(ownerId, ids);
  }

  /** The team's monitors among `ids`, by id alone. */
  ids(ownerId: string, ids: readonly string[]): Promise<Set<string>> {
    return this.monitors.idsOwned(ownerId, ids);
  }

  /** Refuses with a 400 naming `monitorIds[i]` for each id that is no monitor of the team. */
  async assertAllOfTeam(ownerId: string, monitorIds: readonly string[]): Promise<void> {
    const known = await this.ids(ownerId, monitorIds);
    const problems = monitorIds.flatMap((id, i) =>
      known.has(id)
        ? []
        : [{ field: `monitorIds[${i}]`, message: 'is not a monitor of this team' }],
    );
    if (problems.length > 0) throw rpcProblem(Problems.validation(problems));
  }
}
