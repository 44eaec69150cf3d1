import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { NATS_CONNECTION } from '@uptime/bus';
import { RegistrySubjects, monitorEventFilter } from '@uptime/contracts';
import type { NatsConnection, Subscription } from 'nats';
import { onReconnect } from '../access/reconnects';
import { type RememberLimits, RememberedAnswers } from '../access/remembered-answers';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';

/** How long a confirmed owner is trusted without asking again: bounds a missed deletion event. */
export const OWNERSHIP_TTL_MS = 60_000;
/** Monitors remembered at most; the oldest go first. */
const MAX_REMEMBERED = 100_000;

/** How long answers are trusted, how many are kept and what time it is; tests shorten them. */
export const OWNERSHIP_LIMITS = Symbol('OWNERSHIP_LIMITS');
export type OwnershipLimits = RememberLimits;
const DEFAULT_LIMITS: OwnershipLimits = {
  ttlMs: OWNERSHIP_TTL_MS,
  maxRemembered: MAX_REMEMBERED,
  now: Date.now,
};

/**
 * Answers "does this team own this monitor?" for reads (stats, history, charts, incidents)
 * without asking the registry each time: an owner never changes after creation, and the
 * question costs a NATS round trip and a PostgreSQL query on every read. Only a deletion ends
 * ownership. Every gateway replica hears deletions on MONITOR_EVENTS and forgets the monitor
 * at once; an answer is trusted for at most a minute, in case an event was missed while the
 * connection was down. Writes and anything that needs the monitor itself still ask the registry.
 */
@Injectable()
export class MonitorOwnership implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MonitorOwnership.name);
  /** Monitor id (lower case) → its owning team. */
  private readonly owners: RememberedAnswers<string>;
  private subscription?: Subscription;
  private stopWatch?: () => void;

  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Optional() @Inject(OWNERSHIP_LIMITS) limits: OwnershipLimits = DEFAULT_LIMITS,
  ) {
    this.owners = new RememberedAnswers(limits);
  }

  onModuleInit(): void {
    this.subscription = this.nc.subscribe(monitorEventFilter('deleted'), {
      callback: (err, msg) => {
        if (err) return this.logger.warn(`deletion events: ${err.message}`);
        this.forget(monitorIdOf(msg.data));
      },
    });
    // A deletion heard while the connection was down is lost: ask again after it.
    this.stopWatch = onReconnect(this.nc, () => this.forget(undefined));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    this.stopWatch?.();
  }

  /** Resolves when the team owns the monitor; otherwise rejects with the registry's 404. */
  async assertOwned(ownerId: string, monitorId: string): Promise<void> {
    await this.owners.recall(
      monitorId.toLowerCase(),
      async () => {
        await this.registry.request(RegistrySubjects.getMonitor, { ownerId, monitorId });
        return ownerId;
      },
      (knownOwner) => knownOwner === ownerId,
    );
  }

  /** The monitor is gone (deleted here, or heard from another replica); unknown: forget all. */
  forget(monitorId: string | undefined): void {
    if (!monitorId) return this.owners.forget();
    this.owners.forgetKey(monitorId.toLowerCase());
  }
}

const utf8 = new TextDecoder();

/** The event's monitor id, or undefined when it cannot be read. */
function monitorIdOf(data: Uint8Array): string | undefined {
  try {
    const event = JSON.parse(utf8.decode(data)) as { monitorId?: unknown };
    return typeof event.monitorId === 'string' ? event.monitorId : undefined;
  } catch {
    return undefined;
  }
}
