import type { TeamRole } from '@uptime/contracts';

/** A person signed in with an access token. */
export interface UserCaller {
  kind: 'user';
  userId: string;
  email: string;
}

/** A script holding an API key: it acts in the key's team with the key's role, nowhere else. */
export interface ApiKeyCaller {
  kind: 'api-key';
  keyId: string;
  teamId: string;
  role: TeamRole;
}

export type Caller = UserCaller | ApiKeyCaller;

/** Who acts, in which team, with which role: what every team-scoped route works with. */
export interface TeamScope {
  teamId: string;
  role: TeamRole;
  caller: Caller;
}

/** One id per caller, for limits kept per caller: a person's, or an API key's. */
export function callerIdOf(caller: Caller): string {
  return caller.kind === 'user' ? caller.userId : `api-key:${caller.keyId}`;
}
