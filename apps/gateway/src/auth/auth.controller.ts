import { Body, Controller, Get, Header, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import {
  type Credentials,
  CredentialsSchema,
  LoginSchema,
  RefreshTokenBodySchema,
  RegistrySubjects,
  type TokenPair,
  TokenPairSchema,
  type User,
  UserSchema,
} from '@uptime/contracts';
import type { z } from 'zod';
import { openApiResponse, openApiSchema } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';
import { AccessTokens } from './access-tokens';
import { Authenticated, SignedIn } from '../access/access-rule';
import type { UserCaller } from '../access/caller';
import { CurrentUser } from '../access/current-scope';

/** Tokens are credentials: no cache, shared or private, may keep a copy. */
const NO_STORE = 'no-store';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    private readonly tokens: AccessTokens,
  ) {}

  @Post('register')
  @UseGuards(ThrottlerGuard)
  @ApiOperation({ summary: 'Create an account (rate-limited per address)' })
  @ApiBody({ schema: openApiSchema(CredentialsSchema) })
  @ApiCreatedResponse({ schema: openApiResponse(UserSchema) })
  @ApiConflictResponse({ description: 'The email is taken.' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this address.' })
  register(@Body(new ZodPipe(CredentialsSchema)) body: Credentials): Promise<User> {
    return this.registry.request(RegistrySubjects.register, body, 15_000);
  }

  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', NO_STORE)
  @UseGuards(ThrottlerGuard)
  @ApiOperation({
    summary:
      'Exchange email and password for an access token (JWT) and a refresh token (rate-limited)',
  })
  @ApiBody({ schema: openApiSchema(LoginSchema) })
  @ApiOkResponse({ schema: openApiResponse(TokenPairSchema) })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this address.' })
  async login(
    @Body(new ZodPipe(LoginSchema)) body: z.output<typeof LoginSchema>,
  ): Promise<TokenPair> {
    const grant = await this.registry.request(RegistrySubjects.login, body, 15_000);
    return this.tokens.pairFor(grant);
  }

  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', NO_STORE)
  @ApiOperation({
    summary: 'Rotate a refresh token; replaying a used one revokes its whole family',
    description:
      'Each refresh token works once. Using one again revokes every token of its family.',
  })
  @ApiBody({ schema: openApiSchema(RefreshTokenBodySchema) })
  @ApiOkResponse({ schema: openApiResponse(TokenPairSchema) })
  async refresh(
    @Body(new ZodPipe(RefreshTokenBodySchema)) body: { refreshToken: string },
  ): Promise<TokenPair> {
    const grant = await this.registry.request(RegistrySubjects.refresh, body);
    return this.tokens.pairFor(grant);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke the session of a refresh token' })
  @ApiBody({ schema: openApiSchema(RefreshTokenBodySchema) })
  async logout(
    @Body(new ZodPipe(RefreshTokenBodySchema)) body: { refreshToken: string },
  ): Promise<void> {
    await this.registry.request(RegistrySubjects.logout, body);
  }

  @Get('me')
  @Authenticated()
  @SignedIn()
  @ApiOperation({ summary: 'The account of the access token' })
  @ApiOkResponse({ schema: openApiResponse(UserSchema) })
  me(@CurrentUser() caller: UserCaller): Promise<User> {
    return this.registry.request(RegistrySubjects.getUser, { userId: caller.userId });
  }
}
