import { TargetPolicy } from '@uptime/target-guard';
import type { z } from 'zod';
import type { AlertMessage } from './alert-message';
import { type ChannelProvider, type ChannelType, withoutSecrets } from './channel-provider';
import {
  DEFAULT_POST_TIMEOUT_MS,
  type PostOptions,
  ReceiverClient,
  type ReceiverOptions,
} from './http-post';

/**
 * A provider that sends each alert as one JSON POST. What every such provider shares: one client
 * kept between sends (its connections pooled) and closed with the provider, the post timeout,
 * and the config shown without its secret fields.
 */
export abstract class HttpChannelProvider<C extends object> implements ChannelProvider<C> {
  abstract readonly type: ChannelType;
  abstract readonly configSchema: z.ZodType<C>;
  abstract readonly secretFields: readonly (keyof C)[];
  private readonly timeoutMs: number;

  protected constructor(
    protected readonly client: ReceiverClient,
    timeoutMs: number | undefined,
  ) {
    this.timeoutMs = timeoutMs ?? DEFAULT_POST_TIMEOUT_MS;
  }

  abstract send(config: C, message: AlertMessage): Promise<void>;

  redact(config: C): Partial<C> {
    return withoutSecrets(config, this.secretFields);
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** POSTs the JSON `body` within the provider's timeout (see `ReceiverClient.postJson`). */
  protected post(
    url: string,
    body: string,
    options: Omit<PostOptions, 'timeoutMs'>,
  ): Promise<void> {
    return this.client.postJson(url, body, { ...options, timeoutMs: this.timeoutMs });
  }
}

/**
 * A provider that posts to a URL in the channel's own config (`urlField`). That URL is user
 * input: every address dialled goes through the target guard, and an IP literal the guard
 * refuses is refused already when the channel is saved.
 */
export abstract class ChannelUrlProvider<
  C extends Record<F, string>,
  F extends string,
> extends HttpChannelProvider<C> {
  protected constructor(
    private readonly urlField: F,
    options: ReceiverOptions,
  ) {
    super(
      new ReceiverClient(options.targets ?? TargetPolicy.PUBLIC_ONLY, options.blocked),
      options.timeoutMs,
    );
  }

  refusedTarget(config: C): { field: F; message: string } | null {
    const message = this.client.refusedLiteral(config[this.urlField]);
    return message ? { field: this.urlField, message } : null;
  }
}
