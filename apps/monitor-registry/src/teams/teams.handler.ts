import { Controller } from '@nestjs/common';
import { Answers } from '@uptime/bus';
import {
  type Member,
  type ParsedRequest,
  RegistryTeamSubjects,
  type Team,
  type TeamAccess,
} from '@uptime/contracts';
import { TeamsService } from './teams.service';

type Req<S extends (typeof RegistryTeamSubjects)[keyof typeof RegistryTeamSubjects]> =
  ParsedRequest<S>;

/** Teams and members over NATS request/reply. */
@Controller()
export class TeamsHandler {
  constructor(private readonly teams: TeamsService) {}

  @Answers(RegistryTeamSubjects.access)
  access(req: Req<typeof RegistryTeamSubjects.access>): Promise<TeamAccess> {
    return this.teams.access(req.userId, req.teamId);
  }

  @Answers(RegistryTeamSubjects.create)
  create(req: Req<typeof RegistryTeamSubjects.create>): Promise<Team> {
    return this.teams.create(req.userId, req.body);
  }

  @Answers(RegistryTeamSubjects.list)
  list(req: Req<typeof RegistryTeamSubjects.list>): Promise<{ items: Team[] }> {
    return this.teams.list(req.userId);
  }

  @Answers(RegistryTeamSubjects.get)
  get(req: Req<typeof RegistryTeamSubjects.get>): Promise<Team> {
    return this.teams.get(req.teamId, req.role);
  }

  @Answers(RegistryTeamSubjects.update)
  update(req: Req<typeof RegistryTeamSubjects.update>): Promise<Team> {
    return this.teams.update(req.teamId, req.role, req.body);
  }

  @Answers(RegistryTeamSubjects.delete)
  async remove(req: Req<typeof RegistryTeamSubjects.delete>): Promise<{ ok: true }> {
    await this.teams.delete(req.teamId);
    return { ok: true };
  }

  @Answers(RegistryTeamSubjects.listMembers)
  members(req: Req<typeof RegistryTeamSubjects.listMembers>): Promise<{ items: Member[] }> {
    return this.teams.members(req.teamId);
  }

  @Answers(RegistryTeamSubjects.updateMember)
  changeRole(req: Req<typeof RegistryTeamSubjects.updateMember>): Promise<Member> {
    return this.teams.changeRole(req.teamId, req.userId, req.body.role, {
      userId: req.actorUserId,
      role: req.actorRole,
    });
  }

  @Answers(RegistryTeamSubjects.removeMember)
  async removeMember(req: Req<typeof RegistryTeamSubjects.removeMember>): Promise<{ ok: true }> {
    await this.teams.removeMember(req.teamId, req.userId, {
      userId: req.actorUserId,
      role: req.actorRole,
    });
    return { ok: true };
  }
}
