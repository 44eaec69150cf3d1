import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import { UnitOfWork } from '@uptime/persistence';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ChannelEntity } from '../channels/channel.entity';
import { ChannelRepository } from '../channels/channel.repository';
import { CHANNEL_PROVIDERS } from '../channels/channels.service';
import { ChannelProviders, DeliveryError } from '../channels/index';
import type { AlertEntity } from './alert.entity';
import { AlertRepository } from './alert.repository';

export const ALERT_RETRY_POLICY = Symbol('ALERT_RETRY_POLICY');
export interface AlertRetryPolicy {
  /** Attempts before an alert is given up as failed. */
  maxAttempts: number;
  /** Wait before the second attempt; doubled for each further one. */
  baseDelayMs: number;
}

/** How long a claimed alert is left alone by other deliverers before it counts as abandoned. */
const CLAIM_MS = 60_000;
const SWEEP_MS = 500;

/**
 * Sends pending alerts. An alert is claimed (its next attempt pushed past the claim time) in a
 * short transaction, sent outside it, and its attempt recorded after; a notifier that dies
 * mid-send leaves the claim to expire and the alert is sent again (at least once). Failures
 * retry with exponential backoff up to `maxAttempts`; a receiver's permanent refusal stops at once.
 * Each claim and each attempt has an identity map of its own, whoever started the pass: parallel
 * attempts never share an entity, and a claim never decides on a copy an earlier one loaded.
 */
@Injectable()
export class AlertDeliverer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertDeliverer.name);
  /** One line per ten seconds at most: a dead receiver fails every alert queued for it. */
  private readonly failures = new RateLimitedLog(this.logger);
  private readonly attemptsTotal: Counter<'type' | 'outcome'>;
  private readonly attemptSeconds: Histogram<'type' | 'outcome'>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly work: UnitOfWork,
    private readonly alerts: AlertRepository,
    private readonly channels: ChannelRepository,
    @Inject(CHANNEL_PROVIDERS) private readonly providers: ChannelProviders,
    @Inject(ALERT_RETRY_POLICY) private readonly retry: AlertRetryPolicy,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    this.attemptsTotal = new Counter({
      name: 'uptime_notifier_delivery_attempts_total',
      help: 'Alert delivery attempts by channel type and outcome (sent, retry, failed)',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    });
    this.attemptSeconds = new Histogram({
      name: 'uptime_notifier_delivery_duration_seconds',
      help: 'How long a delivery attempt took (until the receiver answered or failed), by channel type and outcome',
      labelNames: ['type', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), SWEEP_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.providers.close();
  }

  kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.deliverDue()
      .catch((err: unknown) => this.logger.warn(`delivery pass failed: ${String(err)}`))
      .finally(() => (this.running = undefined));
  }

  /** Delivers one alert now (a channel test), returning it with the outcome recorded. */
  deliverNow(alertId: string): Promise<AlertEntity> {
    return this.attempt(alertId);
  }

  /**
   * Alerts of one monitor to one channel go out one after the other, in the order their events
   * happened (a burst of results can queue a monitor's down and up together); others in parallel.
   */
  private async deliverDue(): Promise<void> {
    for (;;) {
      const claimed = await this.claimDue();
      if (claimed.length === 0 || this.stopped) return;
      const lanes = new Map<string, AlertEntity[]>();
      for (const alert of claimed) {
        const lane = `${alert.monitorId}|${alert.channelId}`;
        lanes.set(lane, [...(lanes.get(lane) ?? []), alert]);
      }
      await Promise.all(
        [...lanes.values()].map(async (lane) => {
          lane.sort((a, b) => eventTime(a) - eventTime(b));
          for (const alert of lane) await this.attempt(alert.id);
        }),
      );
    }
  }

  private claimDue(): Promise<AlertEntity[]> {
    return this.work.withOwnIdentityMap(() =>
      this.work.transaction(async () => {
        const now = new Date();
        const due = await this.alerts.lockDue(now, 20);
        for (const alert of due) alert.nextAttemptAt = new Date(now.getTime() + CLAIM_MS);
        return due;
      }),
    );
  }

  /** The alert as it is after the attempt (or as it was, if it is no longer pending). */
  private attempt(alertId: string): Promise<AlertEntity> {
    return this.work.withOwnIdentityMap(async () => {
      const alert = await this.alerts.getById(alertId);
      if (alert.status === 'pending') await this.sendAndRecord(alert);
      return alert;
    });
  }

  /** Sends outside any transaction: a slow receiver must not hold a connection or a lock. */
  private async sendAndRecord(alert: AlertEntity): Promise<void> {
    const channel = await this.channels.findById(alert.channelId);
    const startedAt = performance.now();
    const error = channel
      ? await this.send(channel, alert)
      : new DeliveryError('the channel was deleted', { retryable: false });
    const seconds = (performance.now() - startedAt) / 1000;
    const now = new Date();
    alert.attempts += 1;
    alert.attemptLog = [
      ...alert.attemptLog,
      { at: now.toISOString(), ok: !error, error: error?.message ?? null },
    ];
    const type = channel?.type ?? 'deleted';
    if (!error) {
      alert.status = 'sent';
      alert.sentAt = now;
      alert.lastError = null;
      alert.nextAttemptAt = null;
      this.attemptsTotal.inc({ type, outcome: 'sent' });
      this.attemptSeconds.observe({ type, outcome: 'sent' }, seconds);
    } else {
      alert.lastError = error.message;
      const giveUp = !error.retryable || alert.attempts >= this.retry.maxAttempts;
      alert.status = giveUp ? 'failed' : 'pending';
      // A receiver's own Retry-After wins over the backoff when it asks for longer.
      const backoff = this.retry.baseDelayMs * 2 ** (alert.attempts - 1);
      alert.nextAttemptAt = giveUp
        ? null
        : new Date(now.getTime() + Math.max(backoff, error.retryAfterMs ?? 0));
      this.attemptsTotal.inc({ type, outcome: giveUp ? 'failed' : 'retry' });
      this.attemptSeconds.observe({ type, outcome: 'failed' }, seconds);
      // The message is the alert's lastError, already free of secrets: safe to log.
      this.failures.warn(
        `${type} delivery of alert ${alert.id} ${giveUp ? 'failed' : 'will be retried'}: ${error.message}`,
      );
    }
    await this.alerts.save(alert);
  }

  private async send(channel: ChannelEntity, alert: AlertEntity): Promise<DeliveryError | null> {
    const provider = this.providers.get(channel.type);
    if (!provider)
      return new DeliveryError(`no ${channel.type} provider is configured`, { retryable: false });
    try {
      await provider.send(channel.config, alert.message);
      return null;
    } catch (err) {
      return err instanceof DeliveryError
        ? err
        : new DeliveryError(`unexpected failure: ${String(err)}`);
    }
  }
}

/**
 * When the alert's event happened: an incident's start, a reminder's or an escalation's time, a
 * recovery's end.
 */
function eventTime(alert: AlertEntity): number {
  const { message } = alert;
  const at =
    alert.kind === 'up'
      ? message.incident?.resolvedAt
      : alert.kind === 'reminder' || message.escalation
        ? message.occurredAt
        : message.incident?.startedAt;
  return at ? Date.parse(at) : alert.createdAt.getTime();
}
