import { CHANNEL_TYPE_NAMES, type Validated, fieldErrorsOf } from '@uptime/contracts';
import type { z } from 'zod';
import type { AlertMessage } from './alert-message';

/** Defined once, in the contract the gateway validates `type` with. */
export const CHANNEL_TYPES = CHANNEL_TYPE_NAMES;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export function isChannelType(value: string): value is ChannelType {
  return (CHANNEL_TYPES as readonly string[]).includes(value);
}

/**
 * A delivery that did not happen. The message says why in words an operator can act on (a
 * status code, an SMTP reply) and never carries a secret, because it is stored as the alert's
 * `lastError` and shown by the API.
 */
export class DeliveryError extends Error {
  /** The receiver's HTTP status or the SMTP reply code, when it answered at all. */
  readonly status: number | null;
  /** False when trying again cannot help (a 404 webhook, a rejected recipient). */
  readonly retryable: boolean;
  /** How long the receiver asked to be left alone (a 429's `Retry-After`), when it said. */
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    options: { status?: number | null; retryable?: boolean; retryAfterMs?: number | null } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
    this.status = options.status ?? null;
    this.retryable = options.retryable ?? true;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/**
 * One way of sending alerts. A provider holds no channel state: the channel's `config` is
 * validated by `configSchema` when it is saved, stored, and passed back to `send`, so one
 * provider serves every channel of its type.
 */
export interface ChannelProvider<C> {
  readonly type: ChannelType;
  readonly configSchema: z.ZodType<C>;
  /** Write-only fields: accepted on create and update, never returned by the API nor logged. */
  readonly secretFields: readonly (keyof C)[];
  /**
   * Secrets that only make sense with the value of another field, e.g. an access token with the
   * server it is sent to: a change of that field must repeat the secret, so that whoever may
   * change a channel cannot point a stored credential they were never shown at a server of theirs.
   */
  readonly secretBoundTo?: Partial<Record<keyof C, keyof C>>;
  /** The config as the API may show it. */
  redact(config: C): Partial<C>;
  /**
   * Why the config points at an address the deployment does not let channels reach, known
   * without DNS (an IP literal); sending re-checks every address it dials anyway.
   */
  refusedTarget?(config: C): { field: keyof C & string; message: string } | null;
  /** Resolves once the receiver accepted the alert; otherwise rejects with a DeliveryError. */
  send(config: C, message: AlertMessage): Promise<void>;
  /** Releases connections the provider keeps between sends. */
  close?(): Promise<void>;
}

/** A config as the registry sees it, before the provider that owns it is known. */
export type ChannelConfig = Record<string, unknown>;
export type AnyChannelProvider = ChannelProvider<ChannelConfig>;

/** Copy of a config without its secret fields: the one implementation every provider uses. */
export function withoutSecrets<C extends object>(
  config: C,
  secretFields: readonly (keyof C)[],
): Partial<C> {
  const copy: Partial<C> = { ...config };
  for (const field of secretFields) delete copy[field];
  return copy;
}

/**
 * Validates a channel's `config` with its provider's schema. Fields are named from the
 * channel's body (`config.url`), because that is what the client sent.
 */
export function validateChannelConfig<C>(
  provider: ChannelProvider<C>,
  config: unknown,
): Validated<C> {
  const parsed = provider.configSchema.safeParse(config, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: fieldErrorsOf(parsed.error, ['config']) };
  const refused = provider.refusedTarget?.(parsed.data);
  if (!refused) return { ok: true, value: parsed.data };
  return { ok: false, errors: [{ field: `config.${refused.field}`, message: refused.message }] };
}

/** The providers the notifier can send through, one per channel type. */
export class ChannelProviders {
  private readonly byType = new Map<ChannelType, AnyChannelProvider>();

  constructor(providers: readonly AnyChannelProvider[]) {
    for (const provider of providers) {
      if (this.byType.has(provider.type)) {
        throw new Error(`two channel providers for type "${provider.type}"`);
      }
      this.byType.set(provider.type, provider);
    }
  }

  /** Undefined for a type that is unknown or not configured here (email without SMTP_URL). */
  get(type: string): AnyChannelProvider | undefined {
    return isChannelType(type) ? this.byType.get(type) : undefined;
  }

  all(): AnyChannelProvider[] {
    return [...this.byType.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((p) => p.close?.()));
  }
}

/**
 * Replaces every occurrence of a secret in text that is about to leave the process. Strings
 * shorter than 4 characters are left alone: they would mangle ordinary words and numbers,
 * and are no credential worth the name.
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  return secrets.reduce<string>((acc, secret) => {
    if (!secret || secret.length < 4) return acc;
    const forms = new Set([secret, encodeURIComponent(secret)]);
    let out = acc;
    for (const form of forms) out = out.split(form).join('***');
    return out;
  }, text);
}
