import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { UserCaller, TeamScope } from './caller';
import type { AccessRequest } from './access.guard';

/** The team, role and caller the access guard settled for this request. */
export const CurrentScope = createParamDecorator((_: unknown, ctx: ExecutionContext): TeamScope => {
  const scope = ctx.switchToHttp().getRequest<AccessRequest>().scope;
  if (!scope) throw new Error('CurrentScope on a route whose access rule names no role');
  return scope;
});

/** The signed-in person (routes marked `SignedIn` or `personOnly`). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): UserCaller => {
  const caller = ctx.switchToHttp().getRequest<AccessRequest>().user;
  if (caller?.kind !== 'user') throw new Error('CurrentUser on a route open to API keys');
  return caller;
});

/** The signed-in person, or undefined when nobody signed in (routes marked `SignedInOrAnonymous`). */
export const OptionalUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): UserCaller | undefined => {
    const caller = ctx.switchToHttp().getRequest<AccessRequest>().user;
    if (caller && caller.kind !== 'user')
      throw new Error('OptionalUser on a route open to API keys');
    return caller;
  },
);
