import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { JetStreamPublisher, NATS_CONNECTION, ProblemError } from '@uptime/bus';
import {
  checkResultSubject,
  HeartbeatBucket,
  heartbeatKeys,
  HeartbeatMarkSchema,
  monitorEventFilter,
  PING_TOKEN_PATTERN,
  type PingKind,
  pingResult,
  type PingTarget,
  Problems,
  PUSH_REGION,
  RegistrySubjects,
} from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import { JSONCodec, type KV, type NatsConnection, type Subscription } from 'nats';
import { randomUUID } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import { onReconnect } from '../access/reconnects';
import { type RememberLimits, RememberedAnswers } from '../access/remembered-answers';
import { TokenBuckets } from '../checks/token-buckets';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';

const codec = JSONCodec<unknown>();

/** A ping to no active heartbeat monitor: unknown, malformed, paused or deleted alike. */
export function unknownPingToken(): ProblemError {
  return new ProblemError(Problems.notFound('The ping URL'));
}

/** Refused by the per-token rate limit; `Retry-After` says when to try again. */
export class PingRefused extends ProblemError {
  constructor(
    perMinute: number,
    readonly retryAfterSeconds: number,
  ) {
    super(Problems.tooManyRequests(`At most ${perMinute} pings per minute per ping URL.`));
  }
}

/** How long a token's answer (its monitor, or none) is trusted; tests shorten it. */
export const PING_TARGET_LIMITS = Symbol('PING_TARGET_LIMITS');
const DEFAULT_LIMITS: RememberLimits = { ttlMs: 10_000, maxRemembered: 100_000, now: Date.now };

/**
 * How long a deleted monitor's id is kept, to purge what a ping racing the deletion wrote: far
 * longer than a remembered token plus a ping's own writes take.
 */
const DELETED_KEEP_MS = 60_000;
const DELETED_MAX = 100_000;

/**
 * What a job's calls to its ping URL do. A ping (or `/fail`) publishes the heartbeat monitor's
 * result to CHECK_RESULTS, where metrics stores it and the notifier evaluates it like any
 * check, and records its time in the `heartbeats` KV bucket, where the scheduler's deadline
 * keeper reads it; `/start` records when a run began, so that the next ping's latency is the
 * run's duration. The token's monitor is remembered for a few seconds (pings come often), and
 * forgotten at once when this gateway hears that the monitor was paused, resumed or deleted.
 */
@Injectable()
export class HeartbeatPings implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(HeartbeatPings.name);
  private readonly targets: RememberedAnswers<PingTarget | null>;
  private readonly buckets: TokenBuckets;
  private readonly pings: Counter<'kind'>;
  private readonly refused: Counter<'reason'>;
  private kv?: KV;
  private publisher?: JetStreamPublisher;
  private subscriptions: Subscription[] = [];
  /** Monitors this gateway heard deleted lately (id → when), for the race described at `record`. */
  private readonly deleted = new Map<string, number>();
  private stopWatch?: () => void;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TELEMETRY) telemetry: Registry,
    @Optional() @Inject(PING_TARGET_LIMITS) limits: RememberLimits = DEFAULT_LIMITS,
  ) {
    this.targets = new RememberedAnswers(limits);
    this.buckets = new TokenBuckets(config.pingsPerMinutePerToken);
    this.pings = new Counter({
      name: 'uptime_gateway_pings_total',
      help: 'Heartbeat pings recorded, by kind (ping, start, fail)',
      labelNames: ['kind'],
      registers: [telemetry],
    });
    this.refused = new Counter({
      name: 'uptime_gateway_pings_refused_total',
      help: 'Heartbeat pings refused: unknown token (404) or rate limit (429)',
      labelNames: ['reason'],
      registers: [telemetry],
    });
  }

  async onModuleInit(): Promise<void> {
    this.kv = await this.nc.jetstream().views.kv(HeartbeatBucket.bucket, {
      history: 1,
      ttl: HeartbeatBucket.ttlMs,
      max_bytes: HeartbeatBucket.maxBytes,
    });
    this.publisher = new JetStreamPublisher(this.nc);
    // Only the events that change what a token answers; the subject ends with the monitor id.
    this.subscriptions = (['deleted', 'paused', 'resumed'] as const).map((kind) =>
      this.nc.subscribe(monitorEventFilter(kind), {
        callback: (err, msg) => {
          if (err) return this.logger.warn(`monitor events: ${err.message}`);
          this.forget(msg.subject, kind === 'deleted');
        },
      }),
    );
    this.stopWatch = onReconnect(this.nc, () => this.targets.forget());
  }

  onModuleDestroy(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.stopWatch?.();
    this.publisher?.close();
  }

  /**
   * Records one call of a ping URL, or throws its 404 or 429. A ping whose token was resolved
   * before its monitor's deletion may write its key after the scheduler purged the monitor's
   * keys; the key would then live on until the bucket's TTL. So a deletion heard here purges the
   * keys again, and a write that ends after the deletion was heard purges what it wrote: one of
   * the two runs after the write landed, whichever order they come in.
   */
  async record(token: string, kind: PingKind, message: string | null): Promise<void> {
    if (!PING_TOKEN_PATTERN.test(token)) throw this.unknown();
    const now = Date.now();
    const wait = this.buckets.waitMs(token, now);
    if (wait > 0) {
      this.refused.inc({ reason: 'rate_limit' });
      throw new PingRefused(this.config.pingsPerMinutePerToken, Math.ceil(wait / 1000));
    }
    this.buckets.take(token, now);
    const target = await this.targetOf(token);
    if (!target || target.paused) throw this.unknown();
    const kv = this.kv!;
    const at = Date.now();
    if (this.deleted.has(target.monitorId)) throw this.unknown();
    if (kind === 'start') {
      await kv.put(heartbeatKeys.start(target.monitorId), codec.encode({ at }));
    } else {
      const startedAt = await this.takeStart(kv, target.monitorId, at);
      const result = pingResult({ id: randomUUID(), ...target, kind, at, startedAt, message });
      await Promise.all([
        this.publisher!.publish(checkResultSubject(PUSH_REGION), codec.encode(result), result.id),
        kv.put(heartbeatKeys.ping(target.monitorId), codec.encode({ at })),
      ]);
    }
    if (this.deleted.has(target.monitorId)) {
      await this.purgeKeys(target.monitorId);
      throw this.unknown();
    }
    this.pings.inc({ kind });
  }

  private async purgeKeys(monitorId: string): Promise<void> {
    const kv = this.kv;
    if (!kv) return;
    await Promise.all([
      kv.purge(heartbeatKeys.ping(monitorId)),
      kv.purge(heartbeatKeys.start(monitorId)),
    ]).catch((err: unknown) =>
      this.logger.warn(`could not purge the ping keys of deleted monitor ${monitorId}: ${err}`),
    );
  }

  /** When the run this ping ends began (a `/start` since the last ping), then forgets it. */
  private async takeStart(kv: KV, monitorId: string, at: number): Promise<number | null> {
    const entry = await kv.get(heartbeatKeys.start(monitorId));
    if (!entry || entry.operation !== 'PUT') return null;
    const mark = HeartbeatMarkSchema.safeParse(decode(entry.value));
    await kv.delete(heartbeatKeys.start(monitorId));
    return mark.success && mark.data.at <= at ? mark.data.at : null;
  }

  private targetOf(token: string): Promise<PingTarget | null> {
    // Unknown tokens are remembered too: guessing costs the registry nothing more per token.
    return this.targets.recall(token, () =>
      this.registry.request(RegistrySubjects.resolvePingToken, { token }).catch((err: unknown) => {
        if (err instanceof ProblemError && err.problem.status === 404) return null;
        throw err;
      }),
    );
  }

  private forget(subject: string, deleted: boolean): void {
    const monitorId = subject.slice(subject.lastIndexOf('.') + 1);
    this.targets.forget((_token, target) => target?.monitorId === monitorId);
    if (!deleted) return;
    this.rememberDeleted(monitorId, Date.now());
    void this.purgeKeys(monitorId);
  }

  private rememberDeleted(monitorId: string, now: number): void {
    // Oldest first (insertion order): drop the expired, and the oldest beyond the bound.
    for (const [id, at] of this.deleted) {
      if (at > now - DELETED_KEEP_MS && this.deleted.size < DELETED_MAX) break;
      this.deleted.delete(id);
    }
    this.deleted.set(monitorId, now);
  }

  private unknown(): ProblemError {
    this.refused.inc({ reason: 'unknown' });
    return unknownPingToken();
  }
}

function decode(data: Uint8Array): unknown {
  try {
    return codec.decode(data);
  } catch {
    return undefined;
  }
}
