import { z } from 'zod';
import {
  type AlertMessage,
  type AlertState,
  alertDetails,
  alertState,
  subjectLine,
} from '../alert-message';
import { ChannelUrlProvider } from '../http-channel';
import type { ReceiverOptions } from '../http-post';
import { LOOPBACK_HOSTS, clip, parsedUrl } from '../url-rules';

const DISCORD_HOSTS = new Set([
  'discord.com',
  'discordapp.com',
  'ptb.discord.com',
  'canary.discord.com',
]);
const WEBHOOK_PATH = /^\/api(?:\/v\d+)?\/webhooks\/\d{1,25}\/[A-Za-z0-9_-]{1,100}\/?$/;
/** Discord's embed limits: a longer value makes it refuse the whole message. */
const TITLE_MAX = 256;
const FIELD_NAME_MAX = 256;
const FIELD_VALUE_MAX = 1024;

export const DiscordConfigSchema = z
  .object({
    webhookUrl: z
      .string({ message: 'must be a string' })
      .trim()
      .max(2048, 'must be at most 2048 characters')
      .refine(
        isDiscordWebhookUrl,
        'must be a Discord webhook URL, https://discord.com/api/webhooks/<id>/<token>',
      ),
  })
  .strict();
export type DiscordConfig = z.output<typeof DiscordConfigSchema>;

/** Embed side colours (0xRRGGBB). */
const STATE_COLOR: Record<AlertState, number> = {
  down: 0xd93f0b,
  degraded: 0xfbca04,
  up: 0x2da44e,
  test: 0x1f6feb,
  certificate: 0xfbca04,
  partial: 0xfbca04,
};

export interface DiscordMessage {
  username: string;
  content: string;
  embeds: {
    title: string;
    url: string;
    color: number;
    fields: { name: string; value: string; inline: boolean }[];
    timestamp: string;
  }[];
  allowed_mentions: { parse: never[] };
}

/**
 * An execute-webhook body (https://discord.com/developers/docs/resources/webhook#execute-webhook):
 * the subject as `content` (what notifications show), one embed with the details.
 * `allowed_mentions.parse: []` keeps a monitor named `@everyone` from pinging anybody, and the
 * Markdown Discord renders is escaped in user text.
 */
export function discordMessage(message: AlertMessage): DiscordMessage {
  const subject = escapeDiscordMarkdown(subjectLine(message));
  return {
    username: 'Uptime',
    content: clip(subject, 2000),
    embeds: [
      {
        title: clip(subject, TITLE_MAX),
        url: message.monitorLink,
        color: STATE_COLOR[alertState(message)],
        fields: alertDetails(message).map((d) => ({
          name: clip(d.label, FIELD_NAME_MAX),
          value: clip(escapeDiscordMarkdown(d.value), FIELD_VALUE_MAX),
          inline: d.label !== 'Cause' && d.label !== 'URL',
        })),
        timestamp: message.occurredAt,
      },
    ],
    allowed_mentions: { parse: [] },
  };
}

/**
 * Posts alerts to a Discord channel webhook. The URL holds the webhook's token: it is the secret.
 * A 429 carries `retry_after`, which the next attempt waits for (see `DeliveryError.retryAfterMs`).
 */
export class DiscordProvider extends ChannelUrlProvider<DiscordConfig, 'webhookUrl'> {
  readonly type = 'discord';
  readonly configSchema = DiscordConfigSchema;
  readonly secretFields: readonly (keyof DiscordConfig)[] = ['webhookUrl'];

  constructor(options: ReceiverOptions = {}) {
    super('webhookUrl', options);
  }

  async send(config: DiscordConfig, message: AlertMessage): Promise<void> {
    const url = new URL(config.webhookUrl);
    await this.post(config.webhookUrl, JSON.stringify(discordMessage(message)), {
      receiver: 'Discord',
      secrets: [config.webhookUrl, url.pathname, url.pathname.split('/').at(-1) ?? ''],
    });
  }
}

/**
 * A webhook of Discord's own hosts over https; plain http only to a local receiver standing in
 * for Discord in tests (the target guard still has to allow it).
 */
export function isDiscordWebhookUrl(value: string): boolean {
  const url = parsedUrl(value);
  if (!url || !WEBHOOK_PATH.test(url.pathname) || url.username || url.password) return false;
  if (url.protocol === 'https:') return DISCORD_HOSTS.has(url.hostname);
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** Markdown Discord renders in content and embed fields: emphasis, code, spoilers, links, quotes. */
export function escapeDiscordMarkdown(text: string): string {
  return text.replace(/[\\*_~`|[\]()<>#@:]/g, (c) => `\\${c}`);
}
