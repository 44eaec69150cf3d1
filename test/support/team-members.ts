import type { TeamRole } from '@uptime/contracts';
import { query } from './test-database';

/**
 * Makes a user a member of a team with a role, straight in the registry's table: what accepting
 * an invitation does, without one. The gateway asks the registry for every role it has not
 * remembered and never remembers a refusal, so the member can act at once.
 */
export async function addMember(
  dbUrl: string,
  teamId: string,
  userId: string,
  role: TeamRole,
): Promise<void> {
  await query(
    dbUrl,
    `insert into registry.team_members (team_id, user_id, role, joined_at) values ($1, $2, $3, now())`,
    [teamId, userId, role],
  );
}
