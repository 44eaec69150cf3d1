import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { TeamMemberEntity } from '../teams/team-member.entity';
import { UserEntity } from '../users/user.entity';
import { InvitationEntity } from './invitation.entity';

/** First key of the two-key advisory lock that serialises a team's new invitations. */
const INVITATIONS_LOCK_CLASS = 0x696e76; // 'inv'

/** Invitations in PostgreSQL; "pending" means neither accepted nor expired. */
@Injectable()
export class InvitationRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Holds the team's invitations lock until the transaction ends: two invitations made at once
   * cannot both pass the pending quota, nor both stay pending for one email.
   */
  async lockTeam(teamId: string): Promise<void> {
    await this.em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [
      INVITATIONS_LOCK_CLASS,
      teamId,
    ]);
  }

  async insert(invitation: InvitationEntity): Promise<void> {
    await this.em.persistAndFlush(invitation);
  }

  /** Accepted and expired invitations of the team: nothing can use them any more. */
  async deleteSpent(teamId: string): Promise<void> {
    await this.em.nativeDelete(InvitationEntity, {
      teamId,
      $or: [{ acceptedAt: { $ne: null } }, { expiresAt: { $lte: new Date() } }],
    });
  }

  /** The email's pending invitations to the team, which a new one replaces. */
  async deletePendingFor(teamId: string, email: string): Promise<void> {
    await this.em.nativeDelete(InvitationEntity, { teamId, email, acceptedAt: null });
  }

  countPending(teamId: string): Promise<number> {
    return this.em.count(InvitationEntity, pending({ teamId }));
  }

  pendingOf(teamId: string): Promise<InvitationEntity[]> {
    return this.em.find(InvitationEntity, pending({ teamId }), {
      orderBy: { createdAt: 'asc', id: 'asc' },
    });
  }

  /** Deletes a pending invitation of the team; false when there was none. */
  async deletePending(teamId: string, invitationId: string): Promise<boolean> {
    const deleted = await this.em.nativeDelete(InvitationEntity, {
      id: invitationId,
      teamId,
      acceptedAt: null,
    });
    return deleted > 0;
  }

  findPendingByHash(tokenHash: string): Promise<InvitationEntity | null> {
    return this.em.findOne(InvitationEntity, pending({ tokenHash }));
  }

  /**
   * The pending invitation of the token, locked until the transaction ends and marked accepted:
   * of two accepts at once, the second waits, finds it accepted and gets null.
   */
  async claim(tokenHash: string): Promise<InvitationEntity | null> {
    const invitation = await this.em.findOne(InvitationEntity, pending({ tokenHash }), {
      lockMode: LockMode.PESSIMISTIC_WRITE,
    });
    if (!invitation) return null;
    invitation.acceptedAt = new Date();
    await this.em.flush();
    return invitation;
  }

  /** Whether an account with this email is a member of the team. */
  async isMemberByEmail(teamId: string, email: string): Promise<boolean> {
    const user = await this.em.findOne(UserEntity, { email }, { fields: ['id'] });
    if (!user) return false;
    return (await this.em.count(TeamMemberEntity, { teamId, userId: user.id })) > 0;
  }
}

function pending<T extends object>(where: T) {
  return { ...where, acceptedAt: null, expiresAt: { $gt: new Date() } };
}
