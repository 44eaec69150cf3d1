import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { NATS_CONNECTION, ProblemError } from '@uptime/bus';
import {
  Problems,
  RegistryNotices,
  RegistryTeamSubjects,
  type TeamAccess,
  TeamAccessChangedSchema,
} from '@uptime/contracts';
import type { NatsConnection, Subscription } from 'nats';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';
import type { Caller } from './caller';

import { onReconnect } from './reconnects';
import { type RememberLimits, RememberedAnswers } from './remembered-answers';

/** How long and how many answers are kept; tests shorten them. */
export const MEMBERSHIP_LIMITS = Symbol('MEMBERSHIP_LIMITS');
const DEFAULT_LIMITS: RememberLimits = { ttlMs: 30_000, maxRemembered: 50_000, now: Date.now };

interface Membership {
  access: TeamAccess;
  userId: string;
}

/**
 * The caller's role in a team, asked of the registry once and then remembered for a while:
 * every request needs it, and asking costs a NATS round trip and a query. The registry announces
 * every change of a team's access (role changed, member removed, team deleted) and every gateway
 * forgets that team at once; a remembered answer lives at most `ttlMs`, in case an announcement
 * was missed while the connection was down. Refusals are never remembered.
 */
@Injectable()
export class TeamMemberships implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TeamMemberships.name);
  private readonly remembered: RememberedAnswers<Membership>;
  private subscription?: Subscription;
  private stopWatch?: () => void;

  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Optional()
    @Inject(MEMBERSHIP_LIMITS)
    limits: RememberLimits = DEFAULT_LIMITS,
  ) {
    this.remembered = new RememberedAnswers(limits);
  }

  onModuleInit(): void {
    this.subscription = this.nc.subscribe(RegistryNotices.teamAccessChanged, {
      callback: (err, msg) => {
        if (err) return this.logger.warn(`team access notices: ${err.message}`);
        this.forget(noticeOf(msg.data));
      },
    });
    // A role change announced while the connection was down is lost: ask again after it.
    this.stopWatch = onReconnect(this.nc, () => this.forget(undefined));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    this.stopWatch?.();
  }

  /** The caller's access in the team (`undefined`: the default one); not a member: 404. */
  async accessOf(caller: Caller, teamId: string | undefined): Promise<TeamAccess> {
    if (caller.kind === 'api-key') return keyAccess(caller, teamId);
    const { userId } = caller;
    const known = await this.remembered.recall(`${userId}/${teamId ?? ''}`, async () => ({
      access: await this.registry.request(RegistryTeamSubjects.access, { userId, teamId }),
      userId,
    }));
    return known.access;
  }

  /** Forgets the team's answers (only the member's, when one is named); unreadable: all. */
  forget(notice: { teamId: string; userId?: string } | undefined): void {
    if (!notice) return this.remembered.forget();
    this.remembered.forget(
      (_, { access, userId }) =>
        access.teamId === notice.teamId && (!notice.userId || notice.userId === userId),
    );
  }
}

/** A key acts in its own team only; naming another is answered like any team one is not in. */
function keyAccess(caller: Caller & { kind: 'api-key' }, teamId: string | undefined): TeamAccess {
  if (teamId && teamId !== caller.teamId) throw new ProblemError(Problems.notFound('The team'));
  return { teamId: caller.teamId, role: caller.role };
}

const utf8 = new TextDecoder();

function noticeOf(data: Uint8Array): { teamId: string; userId?: string } | undefined {
  try {
    const parsed = TeamAccessChangedSchema.safeParse(JSON.parse(utf8.decode(data)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
