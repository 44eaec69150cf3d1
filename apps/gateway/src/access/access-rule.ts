import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiHeader,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { TeamRole } from '@uptime/contracts';
import { AccessGuard } from './access.guard';

/** What a route asks of its caller; `AccessGuard` decides every request against it. */
export interface AccessRule {
  /** The weakest role that may call; absent, no team is involved and any signed-in person may. */
  role?: TeamRole;
  /** The route parameter that names the team, instead of the `X-Team-Id` header. */
  teamParam?: string;
  /** Only a person, never an API key (its team and role are fixed: it cannot manage teams). */
  personOnly?: boolean;
  /**
   * Also without credentials (the route then sees no caller); credentials that are sent must
   * still be valid. For routes whose token in the path is the proof, such as accepting an
   * invitation.
   */
  anonymous?: boolean;
}

export const ACCESS_RULE = Symbol('ACCESS_RULE');

/** The weakest role in the caller's team that may call the route. */
export function Allow(role: TeamRole, options: Omit<AccessRule, 'role'> = {}) {
  return SetMetadata(ACCESS_RULE, { role, ...options } satisfies AccessRule);
}

/** Any signed-in person, in no particular team (their list of teams, their account). */
export function SignedIn() {
  return SetMetadata(ACCESS_RULE, { personOnly: true } satisfies AccessRule);
}

/**
 * A signed-in person or nobody: an invitation's accept, which joins the caller's account or,
 * without one, creates it. A bad or expired access token is still a 401, never taken as nobody.
 */
export function SignedInOrAnonymous() {
  return SetMetadata(ACCESS_RULE, { personOnly: true, anonymous: true } satisfies AccessRule);
}

/** Requires an access token or API key and applies the route's rule; documents both in OpenAPI. */
export function Authenticated() {
  return applyDecorators(
    UseGuards(AccessGuard),
    ApiBearerAuth(),
    ApiHeader({
      name: 'X-Team-Id',
      required: false,
      description:
        "The team to act in (default: the caller's personal team, or an API key's team).",
    }),
    ApiUnauthorizedResponse({
      description: 'Missing, expired or invalid access token or API key (problem+json).',
    }),
    ApiForbiddenResponse({ description: "The caller's role in the team is too weak for this." }),
  );
}
