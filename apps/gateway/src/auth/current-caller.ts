import {
  createParamDecorator,
  type ExecutionContext,
  UnauthorizedException,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Caller } from './jwt.strategy';

/** The authenticated caller, as the JWT strategy put it on the request. */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const user = ctx.switchToHttp().getRequest<Request & { user?: Caller }>().user;
  if (!user) throw new UnauthorizedException();
  return user;
});

/** Requires a valid access token; documents it in OpenAPI. */
export function Authenticated() {
  return applyDecorators(
    UseGuards(AuthGuard('jwt')),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: 'Missing, expired or invalid access token (problem+json).',
    }),
  );
}
