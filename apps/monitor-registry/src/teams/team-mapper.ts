import type { Member, Team, TeamRole } from '@uptime/contracts';
import type { MemberWithEmail } from './team.repository';
import type { TeamEntity } from './team.entity';

export function toTeam(team: TeamEntity, role: TeamRole): Team {
  return {
    id: team.id,
    name: team.name,
    personal: team.personal,
    role,
    createdAt: team.createdAt.toISOString(),
  };
}

export function toMember({ member, email }: MemberWithEmail): Member {
  return {
    userId: member.userId,
    email,
    role: member.role,
    joinedAt: member.joinedAt.toISOString(),
  };
}
