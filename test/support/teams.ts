import type { ApiClient } from './api-client';

type Account = Awaited<ReturnType<ApiClient['newUser']>>;

/** The token of an invitation's link (`<PUBLIC_URL>/invitations/{token}`). */
export function tokenOf(acceptUrl: string): string {
  const token = new URL(acceptUrl).pathname.split('/').pop();
  if (!token) throw new Error(`no token in ${acceptUrl}`);
  return decodeURIComponent(token);
}

/**
 * Makes `account` a member of the team with `role` the way people join: `inviterToken`'s holder
 * (an admin, or an owner for `owner`) invites the account's email, and the account accepts.
 */
export async function joinTeam(
  api: ApiClient,
  inviterToken: string,
  teamId: string,
  account: Account,
  role: string,
): Promise<void> {
  const invited = await api.post<{ acceptUrl: string }>(
    `/api/v1/teams/${teamId}/invitations`,
    { email: account.email, role },
    inviterToken,
  );
  if (invited.status !== 201) {
    throw new Error(`invite failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  }
  const accepted = await api.post(
    `/api/v1/invitations/${encodeURIComponent(tokenOf(invited.body.acceptUrl))}/accept`,
    undefined,
    account.accessToken,
  );
  if (accepted.status !== 200) {
    throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  }
}
