import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { TeamRole } from '@uptime/contracts';
import { UserEntity } from '../users/user.entity';
import { TeamMemberEntity } from './team-member.entity';
import { TeamEntity } from './team.entity';

/** First key of the two-key advisory lock that serialises changes to a team's owners. */
const OWNERS_LOCK_CLASS = 0x6f776e; // 'own'

export interface TeamWithRole {
  team: TeamEntity;
  role: TeamRole;
}

export interface MemberWithEmail {
  member: TeamMemberEntity;
  email: string;
}

/** Teams and their members in PostgreSQL. */
@Injectable()
export class TeamRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(team: TeamEntity, owner: TeamMemberEntity): Promise<void> {
    this.em.persist([team, owner]);
    await this.em.flush();
  }

  async save(entity: TeamEntity | TeamMemberEntity): Promise<void> {
    await this.em.persistAndFlush(entity);
  }

  findTeam(teamId: string): Promise<TeamEntity | null> {
    return this.em.findOne(TeamEntity, { id: teamId });
  }

  findMember(teamId: string, userId: string): Promise<TeamMemberEntity | null> {
    return this.em.findOne(TeamMemberEntity, { teamId, userId });
  }

  /** Every team the user belongs to, with the user's role in it; the personal team first. */
  async teamsOf(userId: string): Promise<TeamWithRole[]> {
    const members = await this.em.find(TeamMemberEntity, { userId });
    if (!members.length) return [];
    const teams = await this.em.find(
      TeamEntity,
      { id: { $in: members.map((m) => m.teamId) } },
      { orderBy: { personal: 'desc', createdAt: 'asc', id: 'asc' } },
    );
    const roles = new Map(members.map((m) => [m.teamId, m.role]));
    return teams.map((team) => ({ team, role: roles.get(team.id)! }));
  }

  countTeamsOf(userId: string): Promise<number> {
    return this.em.count(TeamMemberEntity, { userId });
  }

  async membersOf(teamId: string): Promise<MemberWithEmail[]> {
    const members = await this.em.find(
      TeamMemberEntity,
      { teamId },
      { orderBy: { joinedAt: 'asc', userId: 'asc' } },
    );
    if (!members.length) return [];
    const users = await this.em.find(
      UserEntity,
      { id: { $in: members.map((m) => m.userId) } },
      { fields: ['id', 'email'] },
    );
    const emails = new Map(users.map((u) => [u.id, u.email]));
    return members.map((member) => ({ member, email: emails.get(member.userId) ?? '' }));
  }

  /**
   * How many owners the team has, counted under the team's owners lock, held until the
   * transaction ends: two owners demoting each other at once cannot leave the team with none.
   */
  async countOwnersLocked(teamId: string): Promise<number> {
    await this.em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [
      OWNERS_LOCK_CLASS,
      teamId,
    ]);
    return this.em.count(TeamMemberEntity, { teamId, role: 'owner' });
  }

  async removeMember(teamId: string, userId: string): Promise<void> {
    await this.em.nativeDelete(TeamMemberEntity, { teamId, userId });
  }

  /** Members go with it (cascade); its monitors must be deleted first, with their events. */
  async deleteTeam(teamId: string): Promise<void> {
    await this.em.nativeDelete(TeamEntity, { id: teamId });
  }
}
