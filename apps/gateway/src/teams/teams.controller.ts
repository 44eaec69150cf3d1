import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ProblemError } from '@uptime/bus';
import {
  type Member,
  type MemberPatchInput,
  MemberPatchSchema,
  MemberSchema,
  NotifierChannelSubjects,
  Problems,
  RegistryTeamSubjects,
  type Team,
  type TeamCreateInput,
  TeamCreateSchema,
  type TeamPatchInput,
  TeamPatchSchema,
  TeamSchema,
} from '@uptime/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { Allow, Authenticated, SignedIn } from '../access/access-rule';
import type { TeamScope, UserCaller } from '../access/caller';
import { ApiKeys } from '../access/api-keys';
import { CurrentScope, CurrentUser } from '../access/current-scope';
import { TeamMemberships } from '../access/team-memberships';
import { openApiResponse, openApiSchema } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';

const TEAM_RESPONSE = { schema: openApiResponse(TeamSchema) };
const NOT_A_MEMBER = { description: 'No team of yours has this id.' };
const UserIdParam = new ZodPipe(z.uuid({ message: 'must be a user id (UUID)' }), ['userId']);

/** Teams and their members. The team is the route's `{id}`; roles are checked by the guard. */
@ApiTags('teams')
@Authenticated()
@Controller('teams')
export class TeamsController {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient,
    private readonly memberships: TeamMemberships,
    private readonly apiKeys: ApiKeys,
  ) {}

  @SignedIn()
  @Post()
  @ApiOperation({ summary: 'Create a team; you are its owner' })
  @ApiBody({ schema: openApiSchema(TeamCreateSchema) })
  @ApiCreatedResponse(TEAM_RESPONSE)
  async create(
    @CurrentUser() user: UserCaller,
    @Body(new ZodPipe(TeamCreateSchema)) body: TeamCreateInput,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Team> {
    const team = await this.registry.request(RegistryTeamSubjects.create, {
      userId: user.userId,
      body,
    });
    res.location(`/api/v1/teams/${team.id}`);
    return team;
  }

  @SignedIn()
  @Get()
  @ApiOperation({ summary: 'The teams you belong to, your personal team first, with your role' })
  @ApiOkResponse({ schema: openApiResponse(z.object({ items: z.array(TeamSchema) })) })
  list(@CurrentUser() user: UserCaller): Promise<{ items: Team[] }> {
    return this.registry.request(RegistryTeamSubjects.list, { userId: user.userId });
  }

  @Allow('viewer', { teamParam: 'id' })
  @Get(':id')
  @ApiOperation({ summary: 'A team of yours' })
  @ApiOkResponse(TEAM_RESPONSE)
  @ApiNotFoundResponse(NOT_A_MEMBER)
  get(@CurrentScope() scope: TeamScope): Promise<Team> {
    return this.registry.request(RegistryTeamSubjects.get, {
      teamId: scope.teamId,
      role: scope.role,
    });
  }

  @Allow('admin', { teamParam: 'id', personOnly: true })
  @Patch(':id')
  @ApiOperation({ summary: 'Rename a team (admin or owner)' })
  @ApiBody({ schema: openApiSchema(TeamPatchSchema) })
  @ApiOkResponse(TEAM_RESPONSE)
  @ApiNotFoundResponse(NOT_A_MEMBER)
  update(
    @CurrentScope() scope: TeamScope,
    @Body(new ZodPipe(TeamPatchSchema)) body: TeamPatchInput,
  ): Promise<Team> {
    return this.registry.request(RegistryTeamSubjects.update, {
      teamId: scope.teamId,
      role: scope.role,
      body,
    });
  }

  @Allow('owner', { teamParam: 'id', personOnly: true })
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a team with its monitors and channels (owner; not a personal team)',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse(NOT_A_MEMBER)
  @ApiConflictResponse({ description: 'A personal team cannot be deleted.' })
  async remove(@CurrentScope() scope: TeamScope): Promise<void> {
    const team = await this.registry.request(RegistryTeamSubjects.get, {
      teamId: scope.teamId,
      role: scope.role,
    });
    if (team.personal) {
      throw new ProblemError(
        Problems.conflict('A personal team cannot be deleted; it lives as long as its account.'),
      );
    }
    // Channels first: should deleting the team then fail, the team is still there and repeating
    // the request finishes the job; the other order could strand channels no team reaches.
    await this.notifier.request(NotifierChannelSubjects.deleteOwned, { ownerId: scope.teamId });
    await this.registry.request(RegistryTeamSubjects.delete, { teamId: scope.teamId }, 30_000);
    this.memberships.forget({ teamId: scope.teamId });
    this.apiKeys.forget((key) => key.teamId === scope.teamId);
  }

  @Allow('viewer', { teamParam: 'id' })
  @Get(':id/members')
  @ApiOperation({ summary: "A team's members with their roles" })
  @ApiOkResponse({ schema: openApiResponse(z.object({ items: z.array(MemberSchema) })) })
  @ApiNotFoundResponse(NOT_A_MEMBER)
  members(@CurrentScope() scope: TeamScope): Promise<{ items: Member[] }> {
    return this.registry.request(RegistryTeamSubjects.listMembers, { teamId: scope.teamId });
  }

  @Allow('admin', { teamParam: 'id', personOnly: true })
  @Patch(':id/members/:userId')
  @ApiOperation({
    summary: "Change a member's role (admin; only an owner makes, demotes or removes owners)",
  })
  @ApiBody({ schema: openApiSchema(MemberPatchSchema) })
  @ApiOkResponse({ schema: openApiResponse(MemberSchema) })
  @ApiNotFoundResponse({ description: 'No such team of yours, or no such member.' })
  @ApiConflictResponse({ description: "The team's last owner cannot be demoted." })
  async changeRole(
    @CurrentScope() scope: TeamScope,
    @Param('userId', UserIdParam) userId: string,
    @Body(new ZodPipe(MemberPatchSchema)) body: MemberPatchInput,
  ): Promise<Member> {
    const member = await this.registry.request(RegistryTeamSubjects.updateMember, {
      teamId: scope.teamId,
      userId,
      body,
      ...actorOf(scope),
    });
    this.memberships.forget({ teamId: scope.teamId, userId });
    return member;
  }

  @Allow('admin', { teamParam: 'id', personOnly: true })
  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member (admin; only an owner removes an owner)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such team of yours, or no such member.' })
  @ApiConflictResponse({ description: "The team's last owner cannot be removed." })
  async removeMember(
    @CurrentScope() scope: TeamScope,
    @Param('userId', UserIdParam) userId: string,
  ): Promise<void> {
    await this.registry.request(RegistryTeamSubjects.removeMember, {
      teamId: scope.teamId,
      userId,
      ...actorOf(scope),
    });
    this.memberships.forget({ teamId: scope.teamId, userId });
  }

  @Allow('viewer', { teamParam: 'id', personOnly: true })
  @Post(':id/leave')
  @HttpCode(204)
  @ApiOperation({ summary: 'Leave a team (not your personal team; not as its last owner)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse(NOT_A_MEMBER)
  @ApiConflictResponse({
    description: 'The last owner cannot leave; nobody leaves their personal team.',
  })
  async leave(@CurrentScope() scope: TeamScope, @CurrentUser() user: UserCaller): Promise<void> {
    await this.registry.request(RegistryTeamSubjects.removeMember, {
      teamId: scope.teamId,
      userId: user.userId,
      ...actorOf(scope),
    });
    this.memberships.forget({ teamId: scope.teamId, userId: user.userId });
  }
}

function actorOf(scope: TeamScope): { actorUserId?: string; actorRole: TeamScope['role'] } {
  return {
    actorUserId: scope.caller.kind === 'user' ? scope.caller.userId : undefined,
    actorRole: scope.role,
  };
}
