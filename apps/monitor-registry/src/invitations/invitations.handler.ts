import { Controller } from '@nestjs/common';
import { Answers } from '@uptime/bus';
import {
  type CreatedInvitation,
  type Invitation,
  type InvitationAccepted,
  type InvitationAcceptedWithAccount,
  type InvitationPreview,
  type ParsedRequest,
  RegistryInvitationSubjects,
} from '@uptime/contracts';
import { InvitationsService } from './invitations.service';

type Req<S extends (typeof RegistryInvitationSubjects)[keyof typeof RegistryInvitationSubjects]> =
  ParsedRequest<S>;

/** Invitations over NATS request/reply. */
@Controller()
export class InvitationsHandler {
  constructor(private readonly invitations: InvitationsService) {}

  @Answers(RegistryInvitationSubjects.create)
  create(req: Req<typeof RegistryInvitationSubjects.create>): Promise<CreatedInvitation> {
    return this.invitations.create(req.teamId, req.body, {
      userId: req.actorUserId,
      role: req.actorRole,
    });
  }

  @Answers(RegistryInvitationSubjects.list)
  list(req: Req<typeof RegistryInvitationSubjects.list>): Promise<{ items: Invitation[] }> {
    return this.invitations.list(req.teamId);
  }

  @Answers(RegistryInvitationSubjects.revoke)
  async revoke(req: Req<typeof RegistryInvitationSubjects.revoke>): Promise<{ ok: true }> {
    await this.invitations.revoke(req.teamId, req.invitationId);
    return { ok: true };
  }

  @Answers(RegistryInvitationSubjects.peek)
  peek(req: Req<typeof RegistryInvitationSubjects.peek>): Promise<InvitationPreview> {
    return this.invitations.peek(req.token);
  }

  @Answers(RegistryInvitationSubjects.accept)
  accept(req: Req<typeof RegistryInvitationSubjects.accept>): Promise<InvitationAccepted> {
    return this.invitations.accept(req.token, req.userId);
  }

  @Answers(RegistryInvitationSubjects.acceptWithAccount)
  acceptWithAccount(
    req: Req<typeof RegistryInvitationSubjects.acceptWithAccount>,
  ): Promise<InvitationAcceptedWithAccount> {
    return this.invitations.acceptWithAccount(req.token, req.password);
  }
}
