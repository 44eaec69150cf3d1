import { Inject, Injectable } from '@nestjs/common';
import { rpcProblem } from '@uptime/bus';
import {
  type Member,
  Problems,
  type Team,
  type TeamAccess,
  type TeamCreateInput,
  type TeamPatchInput,
  type TeamRole,
} from '@uptime/contracts';
import { UnitOfWork } from '@uptime/persistence';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config';
import { MaintenanceWindowsService } from '../maintenance-windows/maintenance-windows.service';
import { MonitorsService } from '../monitors/monitors.service';
import { StatusPagesService } from '../status-pages/status-pages.service';
import { TeamAccessNotices } from './team-access-notices';
import { toMember, toTeam } from './team-mapper';
import { TeamMemberEntity } from './team-member.entity';
import { TeamRepository } from './team.repository';
import { TeamEntity } from './team.entity';

/** The acting member, for the rules about owners. */
export interface Actor {
  userId?: string;
  role: TeamRole;
}

/**
 * Teams, members and their invariants. Who may call what is decided by the gateway's access
 * guard; what holds whoever calls is kept here: a team always has an owner, only owners touch
 * owners, and nobody leaves their own personal team.
 */
@Injectable()
export class TeamsService {
  constructor(
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    private readonly work: UnitOfWork,
    private readonly teams: TeamRepository,
    private readonly monitors: MonitorsService,
    private readonly notices: TeamAccessNotices,
    private readonly maintenance: MaintenanceWindowsService,
    private readonly statusPages: StatusPagesService,
  ) {}

  /** The account's personal team, shares its id; inside the transaction that makes the account. */
  async createPersonal(userId: string, email: string): Promise<void> {
    const team = Object.assign(new TeamEntity(), { id: userId, name: email, personal: true });
    await this.teams.insert(team, membership(team.id, userId, 'owner'));
  }

  /** The user's role in the team (the personal one when none is named); not a member: 404. */
  async access(userId: string, teamId = userId): Promise<TeamAccess> {
    const member = await this.teams.findMember(teamId, userId);
    if (!member) throw rpcProblem(Problems.notFound('The team'));
    return { teamId, role: member.role };
  }

  async create(userId: string, body: TeamCreateInput): Promise<Team> {
    const team = Object.assign(new TeamEntity(), { name: body.name });
    await this.work.transaction(async () => {
      await this.assertMayJoinAnother(userId);
      await this.teams.insert(team, membership(team.id, userId, 'owner'));
    });
    return toTeam(team, 'owner');
  }

  /**
   * Adds the user to the team (an accepted invitation); call inside the caller's transaction.
   * Already a member: 409; in MAX_TEAMS_PER_USER teams already: 403.
   */
  async addMember(teamId: string, userId: string, role: TeamRole): Promise<void> {
    if (await this.teams.findMember(teamId, userId)) {
      throw rpcProblem(Problems.conflict('You are already a member of this team.'));
    }
    await this.assertMayJoinAnother(userId);
    await this.teams.save(membership(teamId, userId, role));
  }

  async list(userId: string): Promise<{ items: Team[] }> {
    const teams = await this.teams.teamsOf(userId);
    return { items: teams.map(({ team, role }) => toTeam(team, role)) };
  }

  async get(teamId: string, role: TeamRole): Promise<Team> {
    return toTeam(await this.existing(teamId), role);
  }

  async update(teamId: string, role: TeamRole, body: TeamPatchInput): Promise<Team> {
    const team = await this.existing(teamId);
    if (body.name !== undefined) team.name = body.name;
    await this.teams.save(team);
    return toTeam(team, role);
  }

  /** Deletes the team with every monitor it owns (each with its `deleted` event) and its members. */
  async delete(teamId: string): Promise<void> {
    const team = await this.existing(teamId);
    if (team.personal) {
      throw rpcProblem(
        Problems.conflict('A personal team cannot be deleted; it lives as long as its account.'),
      );
    }
    const pageSlugs = await this.work.transaction(async () => {
      const slugs = await this.statusPages.slugsWithin(teamId);
      await this.monitors.removeAllWithin(teamId);
      await this.maintenance.removeAllWithin(teamId);
      await this.teams.deleteTeam(teamId);
      return slugs;
    });
    this.monitors.publishRecorded();
    this.maintenance.publishRecorded();
    await this.notices.changed({ teamId });
    // Its public pages went with it: no gateway may serve a kept copy of them.
    await this.statusPages.forget(pageSlugs);
  }

  async members(teamId: string): Promise<{ items: Member[] }> {
    return { items: (await this.teams.membersOf(teamId)).map(toMember) };
  }

  async changeRole(teamId: string, userId: string, role: TeamRole, actor: Actor): Promise<Member> {
    await this.work.transaction(async () => {
      const member = await this.member(teamId, userId);
      if (member.role === role) return;
      assertMayTouchOwners(actor, [member.role, role]);
      if (member.role === 'owner') await this.assertNotLastOwner(teamId, 'demoted');
      member.role = role;
      await this.teams.save(member);
    });
    await this.notices.changed({ teamId, userId });
    const members = await this.teams.membersOf(teamId);
    return toMember(members.find((m) => m.member.userId === userId)!);
  }

  /** Removes a member, or lets one leave (`actor.userId === userId`). */
  async removeMember(teamId: string, userId: string, actor: Actor): Promise<void> {
    if (teamId === userId) {
      throw rpcProblem(Problems.conflict('Nobody leaves or is removed from their personal team.'));
    }
    await this.work.transaction(async () => {
      const member = await this.member(teamId, userId);
      if (actor.userId !== userId) assertMayTouchOwners(actor, [member.role]);
      if (member.role === 'owner') await this.assertNotLastOwner(teamId, 'removed');
      await this.teams.removeMember(teamId, userId);
    });
    await this.notices.changed({ teamId, userId });
  }

  private async assertMayJoinAnother(userId: string): Promise<void> {
    const count = await this.teams.countTeamsOf(userId);
    if (count < this.config.maxTeamsPerUser) return;
    throw rpcProblem(
      Problems.quotaExceeded(
        `You belong to ${count} teams, the most allowed (MAX_TEAMS_PER_USER); leave or delete one first.`,
      ),
    );
  }

  private async assertNotLastOwner(teamId: string, what: 'demoted' | 'removed'): Promise<void> {
    if ((await this.teams.countOwnersLocked(teamId)) > 1) return;
    throw rpcProblem(
      Problems.conflict(
        `The team's last owner cannot be ${what}; make another member owner first.`,
      ),
    );
  }

  private async existing(teamId: string): Promise<TeamEntity> {
    const team = await this.teams.findTeam(teamId);
    if (!team) throw rpcProblem(Problems.notFound('The team'));
    return team;
  }

  private async member(teamId: string, userId: string): Promise<TeamMemberEntity> {
    const member = await this.teams.findMember(teamId, userId);
    if (!member) throw rpcProblem(Problems.notFound('The member'));
    return member;
  }
}

function membership(teamId: string, userId: string, role: TeamRole): TeamMemberEntity {
  return Object.assign(new TeamMemberEntity(), { teamId, userId, role });
}

/** Only an owner makes (invites included), demotes or removes an owner. */
export function assertMayTouchOwners(actor: Actor, roles: TeamRole[]): void {
  if (actor.role === 'owner' || !roles.includes('owner')) return;
  throw rpcProblem(Problems.forbidden('Only an owner can change or remove an owner, or make one.'));
}
