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
  API_KEY_REFUSED,
  type ApiKeyIdentity,
  ApiKeyRevokedSchema,
  apiKeyHash,
  hasApiKeyShape,
  Problems,
  RegistryApiKeySubjects,
  RegistryNotices,
  TeamAccessChangedSchema,
} from '@uptime/contracts';
import type { NatsConnection, Subscription } from 'nats';
import type { z } from 'zod';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';
import type { ApiKeyCaller } from './caller';
import { onReconnect } from './reconnects';
import { type RememberLimits, RememberedAnswers } from './remembered-answers';

/** How long and how many answers are kept, and what time it is; tests shorten them. */
export const API_KEY_LIMITS = Symbol('API_KEY_LIMITS');
const DEFAULT_LIMITS: RememberLimits = { ttlMs: 30_000, maxRemembered: 50_000, now: Date.now };
/** A key's last use is reported at most this often (per key and gateway replica). */
export const USE_REPORT_INTERVAL_MS = 60_000;

/**
 * Who an API key presented as a bearer token is: its SHA-256 is asked of the registry once, and
 * the answer remembered for a while, as every request of a script needs it. A deleted key is
 * forgotten at once on every gateway (the registry's `apiKeyRevoked` notice), and so are the keys
 * of a deleted team (`teamAccessChanged` naming no member); after a NATS reconnect every key is
 * forgotten, since notices sent meanwhile were lost. An expired key is refused even when
 * remembered, and refusals are never remembered. Each key's last use is reported to the
 * registry, at most once a minute, without waiting for it.
 */
@Injectable()
export class ApiKeys implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ApiKeys.name);
  /** Key hash → who the key is. */
  private readonly remembered: RememberedAnswers<ApiKeyIdentity>;
  /** Key id → when its use was last reported by this replica. */
  private readonly reportedAt = new Map<string, number>();
  private subscriptions: Subscription[] = [];
  private stopWatch?: () => void;

  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Optional() @Inject(API_KEY_LIMITS) private readonly limits: RememberLimits = DEFAULT_LIMITS,
  ) {
    this.remembered = new RememberedAnswers(limits);
  }

  onModuleInit(): void {
    this.subscriptions = [
      this.listen(RegistryNotices.apiKeyRevoked, ApiKeyRevokedSchema, ({ keyId }) =>
        this.forget((key) => key.keyId === keyId),
      ),
      this.listen(RegistryNotices.teamAccessChanged, TeamAccessChangedSchema, (notice) => {
        // Naming a member, it is about people; naming none, the team itself is gone.
        if (!notice.userId) this.forget((key) => key.teamId === notice.teamId);
      }),
    ];
    this.stopWatch = onReconnect(this.nc, () => {
      this.logger.log('NATS reconnected: forgetting every remembered API key');
      this.forget();
    });
  }

  onModuleDestroy(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.stopWatch?.();
  }

  /** The caller a presented key stands for; anything but a working key is the same 401. */
  async callerOf(presented: string): Promise<ApiKeyCaller> {
    if (!hasApiKeyShape(presented)) throw refused();
    const keyHash = apiKeyHash(presented);
    const key = await this.remembered.recall(
      keyHash,
      () => this.registry.request(RegistryApiKeySubjects.verify, { keyHash }),
      (known) => !this.expired(known),
    );
    if (this.expired(key)) throw refused();
    this.reportUse(key.keyId);
    return { kind: 'api-key', keyId: key.keyId, teamId: key.teamId, role: key.role };
  }

  /** Forgets the keys `matches` picks; none named, all of them. */
  forget(matches?: (key: ApiKeyIdentity) => boolean): void {
    if (!matches) return this.remembered.forget();
    this.remembered.forget((_, key) => matches(key));
  }

  private expired(key: ApiKeyIdentity): boolean {
    return key.expiresAt !== null && Date.parse(key.expiresAt) <= this.limits.now();
  }

  /** Reports the key's use when this replica has not for a minute; a lost report is harmless. */
  private reportUse(keyId: string): void {
    const now = this.limits.now();
    if (now - (this.reportedAt.get(keyId) ?? -Infinity) < USE_REPORT_INTERVAL_MS) return;
    // Bounded like the answers: past the bound, forgetting only means an early report.
    if (this.reportedAt.size >= this.limits.maxRemembered) this.reportedAt.clear();
    this.reportedAt.set(keyId, now);
    this.registry
      .request(RegistryApiKeySubjects.used, { keyId })
      .catch((err: unknown) => this.logger.debug(`last use of a key not recorded: ${String(err)}`));
  }

  private listen<T>(
    subject: string,
    schema: z.ZodType<T>,
    onNotice: (notice: T) => void,
  ): Subscription {
    return this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return this.logger.warn(`${subject}: ${err.message}`);
        const notice = noticeOf(schema, msg.data);
        // A notice that cannot be read may have named any key: forget them all.
        if (notice === undefined) this.forget();
        else onNotice(notice);
      },
    });
  }
}

function refused(): ProblemError {
  return new ProblemError(Problems.unauthorized(API_KEY_REFUSED));
}

/** nats.js's status iterator can be stopped, though its declared type does not say so. */

const utf8 = new TextDecoder();

function noticeOf<T>(schema: z.ZodType<T>, data: Uint8Array): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(utf8.decode(data)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
