import {
  Body,
  Controller,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import {
  type InvitationAcceptInput,
  type InvitationAcceptResult,
  InvitationAcceptResultSchema,
  InvitationAcceptSchema,
  InvitationTokenSchema,
  RegistryInvitationSubjects,
} from '@uptime/contracts';
import type { Response } from 'express';
import { SignedInOrAnonymous } from '../access/access-rule';
import { AccessGuard } from '../access/access.guard';
import type { UserCaller } from '../access/caller';
import { OptionalUser } from '../access/current-scope';
import { AccessTokens } from '../auth/access-tokens';
import { openApiResponse, openApiSchema } from '../http/openapi';
import { invalid, ZodPipe } from '../http/validation';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';

const TokenParam = new ZodPipe(InvitationTokenSchema, ['token']);
const RESULT = { schema: openApiResponse(InvitationAcceptResultSchema) };

/**
 * Accepting an invitation: the token in the path is the proof. Signed in, the caller's account
 * joins; without an access token the body's password creates the invited email's account, which
 * is how people register under `REGISTRATION=invite`.
 */
@ApiTags('teams')
@Controller('invitations')
export class InvitationAcceptController {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    private readonly tokens: AccessTokens,
  ) {}

  @Post(':token/accept')
  @HttpCode(200)
  @UseGuards(ThrottlerGuard, AccessGuard)
  @SignedInOrAnonymous()
  @ApiBearerAuth()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      'Accept an invitation: signed in, your account joins; without a token, `password` creates the account (rate-limited)',
  })
  @ApiBody({ schema: openApiSchema(InvitationAcceptSchema), required: false })
  @ApiOkResponse({ description: 'Your account joined the team.', ...RESULT })
  @ApiCreatedResponse({ description: 'The account was created, joined and signed in.', ...RESULT })
  @ApiNotFoundResponse({ description: 'Unknown, used, revoked or expired invitation.' })
  @ApiForbiddenResponse({ description: 'The invitation is for another email address.' })
  @ApiConflictResponse({
    description: 'Already a member; or, without a token, the email already has an account.',
  })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this address.' })
  async accept(
    @OptionalUser() user: UserCaller | undefined,
    @Param('token', TokenParam) token: string,
    @Body(new ZodPipe(InvitationAcceptSchema)) body: InvitationAcceptInput,
    @Res({ passthrough: true }) res: Response,
  ): Promise<InvitationAcceptResult> {
    if (user) {
      if (body.password !== undefined) {
        throw invalid([{ field: 'password', message: 'is not used when signed in' }]);
      }
      return this.registry.request(RegistryInvitationSubjects.accept, {
        token,
        userId: user.userId,
      });
    }
    if (body.password === undefined) {
      throw invalid([
        {
          field: 'password',
          message: 'is required without an access token (it creates the account)',
        },
      ]);
    }
    const { teamId, role, ...grant } = await this.registry.request(
      RegistryInvitationSubjects.acceptWithAccount,
      { token, password: body.password },
      15_000,
    );
    res.status(201);
    return { teamId, role, user: grant.user, tokens: await this.tokens.pairFor(grant) };
  }
}
