import { Injectable } from '@nestjs/common';
import { rpcProblem } from '@uptime/bus';
import {
  type CreatedInvitation,
  type Invitation,
  type InvitationAccepted,
  type InvitationAcceptedWithAccount,
  type InvitationCreateInput,
  type InvitationPreview,
  MAX_PENDING_INVITATIONS,
  Problems,
} from '@uptime/contracts';
import { UnitOfWork } from '@uptime/persistence';
import { randomBytes } from 'node:crypto';
import { hashToken, SessionsService } from '../sessions/sessions.service';
import { TeamAccessNotices } from '../teams/team-access-notices';
import { TeamRepository } from '../teams/team.repository';
import { type Actor, assertMayTouchOwners, TeamsService } from '../teams/teams.service';
import { UserRepository } from '../users/user.repository';
import { toUser, UsersService } from '../users/users.service';
import { InvitationEntity } from './invitation.entity';
import { InvitationRepository } from './invitation.repository';

/** What a used, expired, revoked or made-up token gets: the same answer, so none is told apart. */
const UNKNOWN = 'The invitation (it may have expired, been used or been revoked)';

/**
 * Invitations to a team: made by its admins (owners for an owner), accepted once within
 * INVITATION_TTL_DAYS by the invited email, signed in or by creating that email's account.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly work: UnitOfWork,
    private readonly invitations: InvitationRepository,
    private readonly teamRepository: TeamRepository,
    private readonly teams: TeamsService,
    private readonly users: UsersService,
    private readonly userRepository: UserRepository,
    private readonly sessions: SessionsService,
    private readonly notices: TeamAccessNotices,
  ) {}

  /**
   * A new invitation and its token (answered once, never stored). An earlier pending invitation
   * of the same email to the team is replaced: its link stops working.
   */
  async create(
    teamId: string,
    body: InvitationCreateInput,
    actor: Actor,
  ): Promise<CreatedInvitation> {
    assertMayTouchOwners(actor, [body.role]);
    const team = await this.teamRepository.findTeam(teamId);
    if (!team) throw rpcProblem(Problems.notFound('The team'));
    const token = randomBytes(32).toString('base64url');
    const invitation = Object.assign(new InvitationEntity(), {
      teamId,
      email: body.email,
      role: body.role,
      tokenHash: hashToken(token),
      invitedBy: actor.userId ?? null,
    });
    await this.work.transaction(async () => {
      await this.invitations.lockTeam(teamId);
      if (await this.invitations.isMemberByEmail(teamId, body.email)) {
        throw rpcProblem(Problems.conflict(`${body.email} is already a member of this team.`));
      }
      await this.invitations.deleteSpent(teamId);
      await this.invitations.deletePendingFor(teamId, body.email);
      const pending = await this.invitations.countPending(teamId);
      if (pending >= MAX_PENDING_INVITATIONS) {
        throw rpcProblem(
          Problems.quotaExceeded(
            `The team has ${pending} pending invitations, the most allowed; revoke some or wait for them to expire.`,
          ),
        );
      }
      await this.invitations.insert(invitation);
    });
    return { invitation: toInvitation(invitation), token, teamName: team.name };
  }

  async list(teamId: string): Promise<{ items: Invitation[] }> {
    return { items: (await this.invitations.pendingOf(teamId)).map(toInvitation) };
  }

  async revoke(teamId: string, invitationId: string): Promise<void> {
    if (await this.invitations.deletePending(teamId, invitationId)) return;
    throw rpcProblem(Problems.notFound('The invitation'));
  }

  async peek(token: string): Promise<InvitationPreview> {
    const invitation = await this.invitations.findPendingByHash(hashToken(token));
    const team = invitation && (await this.teamRepository.findTeam(invitation.teamId));
    if (!invitation || !team) throw rpcProblem(Problems.notFound(UNKNOWN));
    return {
      teamName: team.name,
      email: invitation.email,
      role: invitation.role,
      expiresAt: invitation.expiresAt.toISOString(),
    };
  }

  /** The signed-in account joins; it must have the invited email. */
  async accept(token: string, userId: string): Promise<InvitationAccepted> {
    const accepted = await this.work.transaction(async () => {
      const invitation = await this.claim(token);
      const user = await this.userRepository.getById(userId);
      if (user.email !== invitation.email) {
        throw rpcProblem(Problems.forbidden('This invitation is for another email address.'));
      }
      await this.teams.addMember(invitation.teamId, user.id, invitation.role);
      return { teamId: invitation.teamId, role: invitation.role, user: toUser(user) };
    });
    this.notices.changed({ teamId: accepted.teamId, userId });
    return accepted;
  }

  /**
   * Creates the invited email's account (with its personal team) and joins it, in one
   * transaction, then starts the account's first session. How people register when
   * `REGISTRATION=invite`. The email has an account already: 409 (sign in and accept).
   */
  async acceptWithAccount(token: string, password: string): Promise<InvitationAcceptedWithAccount> {
    const { user, invitation } = await this.work.transaction(async () => {
      const invitation = await this.claim(token);
      const user = await this.users.createAccount({ email: invitation.email, password });
      await this.teams.addMember(invitation.teamId, user.id, invitation.role);
      return { user, invitation };
    });
    this.notices.changed({ teamId: invitation.teamId, userId: user.id });
    const grant = await this.sessions.start(user);
    return { ...grant, teamId: invitation.teamId, role: invitation.role };
  }

  private async claim(token: string): Promise<InvitationEntity> {
    const invitation = await this.invitations.claim(hashToken(token));
    if (!invitation) throw rpcProblem(Problems.notFound(UNKNOWN));
    return invitation;
  }
}

function toInvitation(invitation: InvitationEntity): Invitation {
  return {
    id: invitation.id,
    teamId: invitation.teamId,
    email: invitation.email,
    role: invitation.role,
    invitedBy: invitation.invitedBy,
    createdAt: invitation.createdAt.toISOString(),
    expiresAt: invitation.expiresAt.toISOString(),
  };
}
