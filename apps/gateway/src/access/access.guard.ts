import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ProblemError } from '@uptime/bus';
import { isApiKeyLike, Problems, roleAtLeast } from '@uptime/contracts';
import type { Request } from 'express';
import { z } from 'zod';
import { invalid } from '../http/validation';
import { ACCESS_RULE, type AccessRule } from './access-rule';
import { ApiKeys } from './api-keys';
import type { Caller, TeamScope } from './caller';
import { TeamMemberships } from './team-memberships';

export interface AccessRequest extends Request {
  user?: Caller;
  scope?: TeamScope;
}

const TeamIdSchema = z.uuid();
const BEARER = /^\s*bearer\s+(\S+)\s*$/i;

/**
 * The one place access is decided: authenticates the caller (an API key, `Bearer upk_...`, else
 * an access token), finds the team the request acts in (the route's team parameter, else
 * `X-Team-Id`, else the personal team, or an API key's own team) and the caller's role there, and
 * compares it with the route's `AccessRule`. A team the caller is not in answers 404, as an
 * unknown id would; a role too weak answers 403.
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly memberships: TeamMemberships,
    private readonly apiKeys: ApiKeys,
  ) {
    super();
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const rule = this.ruleOf(ctx);
    const req = ctx.switchToHttp().getRequest<AccessRequest>();
    if (rule.anonymous && req.headers.authorization === undefined) return true;
    const apiKey = presentedApiKey(req);
    if (apiKey !== undefined) req.user = await this.apiKeys.callerOf(apiKey);
    else await super.canActivate(ctx);
    const caller = req.user!;
    if (rule.personOnly && caller.kind !== 'user') {
      throw new ProblemError(Problems.forbidden('This needs a signed-in person, not an API key.'));
    }
    if (!rule.role) return true;
    const access = await this.memberships.accessOf(caller, requestedTeam(req, rule));
    if (!roleAtLeast(access.role, rule.role)) {
      throw new ProblemError(
        Problems.forbidden(
          `Your role in this team is ${access.role}; this needs ${rule.role} or above.`,
        ),
      );
    }
    req.scope = { ...access, caller };
    return true;
  }

  private ruleOf(ctx: ExecutionContext): AccessRule {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    // A route without a rule is a programming error; refusing it beats guessing.
    if (!rule)
      throw new Error(`${ctx.getClass().name}.${ctx.getHandler().name} has no access rule`);
    return rule;
  }
}

/** The bearer token when it is meant as an API key; anything else is left to the JWT path. */
function presentedApiKey(req: Request): string | undefined {
  const token = BEARER.exec(req.header('authorization') ?? '')?.[1];
  return token !== undefined && isApiKeyLike(token) ? token : undefined;
}

/** The team the request names, if any; a malformed id is a 400 naming where it came from. */
function requestedTeam(req: AccessRequest, rule: AccessRule): string | undefined {
  const field = rule.teamParam ?? 'X-Team-Id';
  const value = rule.teamParam ? req.params[rule.teamParam] : req.header('x-team-id');
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !TeamIdSchema.safeParse(value).success) {
    throw invalid([{ field, message: 'must be a team id (UUID)' }]);
  }
  return value.toLowerCase();
}
