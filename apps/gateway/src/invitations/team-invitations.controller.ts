import { RateLimitedLog } from '@uptime/health';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Logger,
  Param,
  Post,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  type CreatedInvitation,
  type Invitation,
  type InvitationCreated,
  InvitationCreatedSchema,
  type InvitationCreateInput,
  InvitationCreateSchema,
  InvitationSchema,
  NotifierMailSubjects,
  RegistryInvitationSubjects,
} from '@uptime/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { Allow, Authenticated } from '../access/access-rule';
import type { TeamScope } from '../access/caller';
import { CurrentScope } from '../access/current-scope';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { openApiResponse, openApiSchema } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';

const InvitationIdParam = new ZodPipe(z.uuid({ message: 'must be an invitation id (UUID)' }), [
  'invitationId',
]);
const NOT_A_MEMBER = { description: 'No team of yours has this id.' };

/** A team's invitations, managed by its admins; the link's page and accept are elsewhere. */
@ApiTags('teams')
@Authenticated()
@Controller('teams/:id/invitations')
export class TeamInvitationsController {
  /** Without SMTP every invitation fails to send: once a minute is enough to say so. */
  private readonly log = new RateLimitedLog(new Logger(TeamInvitationsController.name));

  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Allow('admin', { teamParam: 'id', personOnly: true })
  @Post()
  @ApiOperation({
    summary: 'Invite an email to the team with a role (admin; only an owner invites an owner)',
    description:
      'Emails a one-time link, valid 7 days, to `<PUBLIC_URL>/invitations/{token}`. The answer ' +
      'carries the same link (`acceptUrl`), shown only here, so it can be passed on where no ' +
      'SMTP is configured (`emailSent: false`). A new invitation for an email replaces its ' +
      'pending one; at most 100 are pending per team.',
  })
  @ApiBody({ schema: openApiSchema(InvitationCreateSchema) })
  @ApiCreatedResponse({ schema: openApiResponse(InvitationCreatedSchema) })
  @ApiNotFoundResponse(NOT_A_MEMBER)
  @ApiForbiddenResponse({
    description: 'Below admin, an admin inviting an owner, or 100 invitations pending.',
  })
  @ApiConflictResponse({ description: 'The email already belongs to a member.' })
  async create(
    @CurrentScope() scope: TeamScope,
    @Body(new ZodPipe(InvitationCreateSchema)) body: InvitationCreateInput,
    @Res({ passthrough: true }) res: Response,
  ): Promise<InvitationCreated> {
    const inviter = scope.caller.kind === 'user' ? scope.caller : undefined;
    const created = await this.registry.request(RegistryInvitationSubjects.create, {
      teamId: scope.teamId,
      body,
      actorUserId: inviter?.userId,
      actorRole: scope.role,
    });
    const acceptUrl = `${this.config.publicUrl}/invitations/${created.token}`;
    const emailSent = await this.email(created, acceptUrl, inviter?.email);
    res.location(`/api/v1/teams/${scope.teamId}/invitations/${created.invitation.id}`);
    res.setHeader('Cache-Control', 'no-store');
    return { ...created.invitation, acceptUrl, emailSent };
  }

  @Allow('admin', { teamParam: 'id', personOnly: true })
  @Get()
  @ApiOperation({ summary: "The team's pending invitations (admin)" })
  @ApiOkResponse({ schema: openApiResponse(z.object({ items: z.array(InvitationSchema) })) })
  @ApiNotFoundResponse(NOT_A_MEMBER)
  list(@CurrentScope() scope: TeamScope): Promise<{ items: Invitation[] }> {
    return this.registry.request(RegistryInvitationSubjects.list, { teamId: scope.teamId });
  }

  @Allow('admin', { teamParam: 'id', personOnly: true })
  @Delete(':invitationId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a pending invitation; its link stops working (admin)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such team of yours, or no such pending invitation.' })
  async revoke(
    @CurrentScope() scope: TeamScope,
    @Param('invitationId', InvitationIdParam) invitationId: string,
  ): Promise<void> {
    await this.registry.request(RegistryInvitationSubjects.revoke, {
      teamId: scope.teamId,
      invitationId,
    });
  }

  /**
   * Asks the notifier to email the link. The invitation stands whatever happens: the inviter has
   * the link in the answer, so a missing SMTP_URL or a failed send is reported, not an error.
   */
  private async email(
    created: CreatedInvitation,
    acceptUrl: string,
    inviterEmail: string | undefined,
  ): Promise<boolean> {
    try {
      await this.notifier.request(NotifierMailSubjects.invitation, {
        to: created.invitation.email,
        teamName: created.teamName,
        inviterEmail,
        role: created.invitation.role,
        acceptUrl,
        expiresAt: created.invitation.expiresAt,
      });
      return true;
    } catch (err) {
      this.log.warn(`invitations not emailed (the inviter has the link): ${String(err)}`);
      return false;
    }
  }
}
